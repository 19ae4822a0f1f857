package statefulset

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
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/controller/history"
)

// world is an in-memory namespace for reconcile: the set, its pods,
// claims and revisions, and a log of what reconcile did.
type world struct {
	set     *appsv1.StatefulSet
	pods    map[string]*corev1.Pod
	claims  map[string]*corev1.PersistentVolumeClaim
	revs    map[string]*appsv1.ControllerRevision
	clock   *clocktesting.FakeClock
	actions []string
	uid     int
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newSet(replicas int32) *appsv1.StatefulSet {
	labels := map[string]string{"app": "web"}
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "set-uid", Generation: 1},
		Spec: appsv1.StatefulSetSpec{
			Replicas:             ptr.To(replicas),
			ServiceName:          "web",
			Selector:             &metav1.LabelSelector{MatchLabels: labels},
			PodManagementPolicy:  appsv1.OrderedReadyPodManagement,
			RevisionHistoryLimit: ptr.To[int32](10),
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr.To[int32](0)}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "img:1"}}},
			},
		},
	}
}

func newWorld(set *appsv1.StatefulSet) *world {
	return &world{set: set, pods: map[string]*corev1.Pod{}, claims: map[string]*corev1.PersistentVolumeClaim{},
		revs: map[string]*appsv1.ControllerRevision{}, clock: clocktesting.NewFakeClock(t0)}
}

func notFound(name string) error {
	return apierrors.NewNotFound(schema.GroupResource{Resource: "x"}, name)
}

func (w *world) nextUID() types.UID {
	w.uid++
	return types.UID(fmt.Sprintf("uid-%d", w.uid))
}

func (w *world) deps() Deps {
	sorted := func(m map[string]*corev1.Pod) []*corev1.Pod {
		var out []*corev1.Pod
		for _, k := range slices.Sorted(maps.Keys(m)) {
			out = append(out, m[k])
		}
		return out
	}
	return Deps{
		GetSet:   func(_, _ string) (*appsv1.StatefulSet, error) { return w.set, nil },
		FreshSet: func(context.Context, string, string) (*appsv1.StatefulSet, error) { return w.set, nil },
		ListPods: func(string) ([]*corev1.Pod, error) { return sorted(w.pods), nil },
		ListRevisions: func(string) ([]*appsv1.ControllerRevision, error) {
			return slices.Collect(maps.Values(w.revs)), nil
		},
		GetClaim: func(_, name string) (*corev1.PersistentVolumeClaim, error) {
			if c, ok := w.claims[name]; ok {
				return c, nil
			}
			return nil, notFound(name)
		},
		CreatePod: func(_ context.Context, p *corev1.Pod) error {
			p = p.DeepCopy()
			p.UID = w.nextUID()
			p.CreationTimestamp = metav1.NewTime(w.clock.Now())
			p.Status.Phase = corev1.PodPending
			w.pods[p.Name] = p
			w.actions = append(w.actions, "create "+p.Name)
			return nil
		},
		DeletePod: func(_ context.Context, p *corev1.Pod) error {
			delete(w.pods, p.Name)
			w.actions = append(w.actions, "delete "+p.Name)
			return nil
		},
		PatchPod: func(_ context.Context, _, name string, _ []byte) error {
			w.actions = append(w.actions, "patch "+name)
			return nil
		},
		CreateClaim: func(_ context.Context, c *corev1.PersistentVolumeClaim) error {
			c = c.DeepCopy()
			c.UID = w.nextUID()
			w.claims[c.Name] = c
			w.actions = append(w.actions, "claim "+c.Name)
			return nil
		},
		UpdateClaim: func(_ context.Context, c *corev1.PersistentVolumeClaim) error {
			w.claims[c.Name] = c.DeepCopy()
			return nil
		},
		Revisions: history.Client{
			Create: func(_ context.Context, r *appsv1.ControllerRevision) (*appsv1.ControllerRevision, error) {
				if _, ok := w.revs[r.Name]; ok {
					return nil, apierrors.NewAlreadyExists(schema.GroupResource{Resource: "controllerrevisions"}, r.Name)
				}
				r = r.DeepCopy()
				r.UID = w.nextUID()
				w.revs[r.Name] = r
				return r, nil
			},
			Get: func(_ context.Context, _, name string) (*appsv1.ControllerRevision, error) {
				if r, ok := w.revs[name]; ok {
					return r, nil
				}
				return nil, notFound(name)
			},
		},
		UpdateRevision: func(_ context.Context, r *appsv1.ControllerRevision) (*appsv1.ControllerRevision, error) {
			w.revs[r.Name] = r.DeepCopy()
			return r, nil
		},
		DeleteRevision: func(_ context.Context, r *appsv1.ControllerRevision) error {
			delete(w.revs, r.Name)
			return nil
		},
		PatchRevision: func(context.Context, string, string, []byte) error { return nil },
		UpdateStatus: func(_ context.Context, s *appsv1.StatefulSet) error {
			w.set = s.DeepCopy()
			return nil
		},
		Event: func(runtime.Object, string, string, string) {},
		Now:   w.clock.Now,
	}
}

// sync runs one reconcile and returns (and clears) what it did.
func (w *world) sync() ([]string, time.Duration, error) {
	res, err := reconcile(context.Background(), w.deps(), "ns/web")
	got := w.actions
	w.actions = nil
	return got, res.RequeueAfter, err
}

// ready marks the named pods Running and Ready since now.
func (w *world) ready(names ...string) {
	for _, n := range names {
		p := w.pods[n]
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(w.clock.Now())}}
	}
}

// readyAll marks every pod ready.
func (w *world) readyAll() {
	for n, p := range w.pods {
		if p.Status.Phase != corev1.PodRunning {
			w.ready(n)
		}
	}
}
