package framework

import "fmt"

// Snapshot is a fixed set of NodeInfos, in order. It implements
// NodeInfoLister; the scheduling loop builds one per cycle from its cache,
// and tests build one directly.
type Snapshot struct {
	list   []*NodeInfo
	byName map[string]*NodeInfo
}

var _ NodeInfoLister = (*Snapshot)(nil)

// NewSnapshot returns a snapshot of nodes. Every NodeInfo must have a node.
func NewSnapshot(nodes ...*NodeInfo) *Snapshot {
	s := &Snapshot{list: nodes, byName: make(map[string]*NodeInfo, len(nodes))}
	for _, n := range nodes {
		s.byName[n.Node().Name] = n
	}
	return s
}

// List returns the nodes in the order given to NewSnapshot.
func (s *Snapshot) List() ([]*NodeInfo, error) { return s.list, nil }

// Get returns the named node.
func (s *Snapshot) Get(name string) (*NodeInfo, error) {
	if n, ok := s.byName[name]; ok {
		return n, nil
	}
	return nil, fmt.Errorf("nodeinfo %q not found", name)
}
