package imagelocality

import (
	"context"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/berth-dev/berth/internal/scheduler/framework"
)

// Name is the plugin's name in the registry and in configuration.
const Name = "ImageLocality"

// Score bounds: below minThreshold of image bytes present a node scores 0;
// at maxContainerThreshold per container it scores MaxNodeScore.
const (
	mb                    int64 = 1024 * 1024
	minThreshold                = 23 * mb
	maxContainerThreshold       = 1000 * mb
)

// ImageLocality scores nodes by the images they already hold.
type ImageLocality struct {
	handle framework.Handle
}

var _ framework.ScorePlugin = (*ImageLocality)(nil)

// New returns the plugin; it takes no arguments. It reads the number of
// nodes from the handle's snapshot.
func New(_ context.Context, _ any, h framework.Handle) (framework.Plugin, error) {
	return &ImageLocality{handle: h}, nil
}

// Name implements framework.Plugin.
func (*ImageLocality) Name() string { return Name }

// Score implements framework.ScorePlugin. It needs NodeInfo.ImageStates
// (see framework.SetImageStates).
func (p *ImageLocality) Score(_ context.Context, _ *framework.CycleState, pod *corev1.Pod, nodeInfo *framework.NodeInfo) (int64, *framework.Status) {
	if p.handle == nil || p.handle.SnapshotSharedLister() == nil {
		return 0, framework.AsStatus(errors.New("no snapshot"))
	}
	nodes, err := p.handle.SnapshotSharedLister().List()
	if err != nil {
		return 0, framework.AsStatus(fmt.Errorf("list nodes: %w", err))
	}
	if len(nodes) == 0 {
		return 0, nil
	}
	var sum int64
	containers := 0
	for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range cs {
			containers++
			if st, ok := nodeInfo.ImageStates[normalizedImageName(c.Image)]; ok {
				sum += int64(float64(st.Size) * float64(st.NumNodes) / float64(len(nodes)))
			}
		}
	}
	return priority(sum, containers), nil
}

// priority maps the spread-weighted image bytes onto [0, MaxNodeScore].
func priority(sum int64, containers int) int64 {
	maxThreshold := maxContainerThreshold * int64(containers)
	if maxThreshold <= minThreshold {
		return 0
	}
	sum = min(max(sum, minThreshold), maxThreshold)
	return framework.MaxNodeScore * (sum - minThreshold) / (maxThreshold - minThreshold)
}

// normalizedImageName adds the ":latest" tag the container runtime
// assumes when an image names no tag, so that it matches node.status.images.
func normalizedImageName(name string) string {
	if strings.Contains(name, "@") {
		return name
	}
	if strings.LastIndex(name, ":") <= strings.LastIndex(name, "/") {
		return name + ":latest"
	}
	return name
}

// ScoreExtensions implements framework.ScorePlugin; scores need no
// normalisation.
func (*ImageLocality) ScoreExtensions() framework.ScoreExtensions { return nil }
