package framework

// SetImageStates fills ImageStates of every node from node.status.images:
// for each image name, its size and how many of nodes hold it. The
// snapshot builder calls it once per snapshot; ImageLocality reads it.
func SetImageStates(nodes []*NodeInfo) {
	holders := map[string]int{}
	for _, n := range nodes {
		if n.Node() == nil {
			continue
		}
		for _, img := range n.Node().Status.Images {
			for _, name := range img.Names {
				holders[name]++
			}
		}
	}
	for _, n := range nodes {
		if n.Node() == nil {
			continue
		}
		states := map[string]*ImageStateSummary{}
		for _, img := range n.Node().Status.Images {
			for _, name := range img.Names {
				states[name] = &ImageStateSummary{Size: img.SizeBytes, NumNodes: holders[name]}
			}
		}
		n.ImageStates = states
	}
}
