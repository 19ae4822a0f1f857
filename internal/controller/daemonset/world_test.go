package daemonset

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/util/flowcontrol"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/controller/expectations"
	"github.com/berth-dev/berth/internal/controller/history"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// world is an in-memory cluster for reconcile: one DaemonSet, nodes, pods
// and revisions, and a log of what reconcile did. Created pods are
// "scheduled" to their pinned node at once.
type world struct {
	ds      *appsv1.DaemonSet
	nodes   map[string]*corev1.Node
	pods    map[string]*corev1.Pod
	revs    map[string]*appsv1.ControllerRevision
	clock   *clocktesting.FakeClock
	exp     *expectations.Expectations
	backoff *flowcontrol.Backoff
	actions []string
	events  []string
	uid     int
	// seen holds what the pod informer has yet to deliver: the next sync
	// observes it first, as the real informer would between syncs.
	seen []func()
}

func newDS() *appsv1.DaemonSet {
	labels := map[string]string{"app": "agent"}
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "ns", UID: "ds-uid", Generation: 1},
		Spec: appsv1.DaemonSetSpec{
			Selector:             &metav1.LabelSelector{MatchLabels: labels},
			RevisionHistoryLimit: ptr.To[int32](10),
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: ptr.To(intstr.FromInt32(1)), MaxSurge: ptr.To(intstr.FromInt32(0))}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "img:1"}}},
			},
		},
	}
}

func node(name string) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{}}}
}

func newWorld(ds *appsv1.DaemonSet, nodes ...*corev1.Node) *world {
	clk := clocktesting.NewFakeClock(t0)
	b := flowcontrol.NewBackOff(failedBackoffInitial, failedBackoffMax)
	b.Clock = clk
	w := &world{ds: ds, nodes: map[string]*corev1.Node{}, pods: map[string]*corev1.Pod{},
		revs: map[string]*appsv1.ControllerRevision{}, clock: clk, exp: expectations.New(clk), backoff: b}
	for _, n := range nodes {
		w.nodes[n.Name] = n
	}
	return w
}

func (w *world) deps() Deps {
	return Deps{
		GetDaemonSet:   func(_, _ string) (*appsv1.DaemonSet, error) { return w.ds, nil },
		FreshDaemonSet: func(context.Context, string, string) (*appsv1.DaemonSet, error) { return w.ds, nil },
		ListNodes:      func() ([]*corev1.Node, error) { return slices.Collect(maps.Values(w.nodes)), nil },
		ListPods:       func(string) ([]*corev1.Pod, error) { return slices.Collect(maps.Values(w.pods)), nil },
		ListRevisions: func(string) ([]*appsv1.ControllerRevision, error) {
			return slices.Collect(maps.Values(w.revs)), nil
		},
		CreatePod: func(_ context.Context, _ string, p *corev1.Pod) (*corev1.Pod, error) {
			p = p.DeepCopy()
			w.uid++
			p.UID = types.UID(fmt.Sprintf("uid-%d", w.uid))
			p.Name = fmt.Sprintf("%s%d", p.GenerateName, w.uid)
			p.CreationTimestamp = metav1.NewTime(w.clock.Now())
			p.Spec.NodeName = targetNode(p)
			p.Status.Phase = corev1.PodPending
			w.pods[p.Name] = p
			w.actions = append(w.actions, "create "+p.Spec.NodeName)
			w.seen = append(w.seen, func() { w.exp.CreationObserved("ns/agent") })
			return p, nil
		},
		DeletePod: func(_ context.Context, p *corev1.Pod) error {
			delete(w.pods, p.Name)
			w.actions = append(w.actions, "delete "+targetNode(p))
			w.seen = append(w.seen, func() { w.exp.DeletionObserved("ns/agent", string(p.UID)) })
			return nil
		},
		PatchPod: func(context.Context, string, string, []byte) error { return nil },
		Revisions: history.Client{
			Create: func(_ context.Context, r *appsv1.ControllerRevision) (*appsv1.ControllerRevision, error) {
				if _, ok := w.revs[r.Name]; ok {
					return nil, apierrors.NewAlreadyExists(schema.GroupResource{Resource: "controllerrevisions"}, r.Name)
				}
				w.revs[r.Name] = r.DeepCopy()
				return r, nil
			},
			Get: func(_ context.Context, _, name string) (*appsv1.ControllerRevision, error) { return w.revs[name], nil },
		},
		UpdateRevision: func(_ context.Context, r *appsv1.ControllerRevision) (*appsv1.ControllerRevision, error) {
			w.revs[r.Name] = r.DeepCopy()
			return r, nil
		},
		DeleteRevision: func(_ context.Context, r *appsv1.ControllerRevision) error { delete(w.revs, r.Name); return nil },
		PatchRevision:  func(context.Context, string, string, []byte) error { return nil },
		UpdateStatus:   func(_ context.Context, ds *appsv1.DaemonSet) error { w.ds = ds.DeepCopy(); return nil },
		Event:          func(_ runtime.Object, _, reason, _ string) { w.events = append(w.events, reason) },
		Now:            w.clock.Now,
		Expectations:   w.exp,
		Backoff:        w.backoff,
	}
}

// sync runs one reconcile and returns (and clears) what it did, sorted.
func (w *world) sync() ([]string, time.Duration, error) {
	for _, f := range w.seen {
		f()
	}
	w.seen = nil
	res, err := reconcile(context.Background(), w.deps(), "ns/agent")
	got := w.actions
	slices.Sort(got)
	w.actions = nil
	return got, res.RequeueAfter, err
}

// readyAll marks every pod Running and Ready.
func (w *world) readyAll() {
	for _, p := range w.pods {
		if p.Status.Phase != corev1.PodRunning {
			p.Status.Phase = corev1.PodRunning
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(w.clock.Now())}}
		}
	}
}

func (w *world) onNode(name string) []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range w.pods {
		if targetNode(p) == name {
			out = append(out, p)
		}
	}
	return out
}
