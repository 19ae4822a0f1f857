package statefulset

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func TestParentAndOrdinal(t *testing.T) {
	tests := []struct {
		name       string
		wantParent string
		wantOrd    int
	}{
		{"web-0", "web", 0},
		{"web-12", "web", 12},
		{"my-web-3", "my-web", 3},
		{"web", "", -1},
		{"web-", "", -1},
		{"web-x", "", -1},
		{"web-99999999999", "", -1},
	}
	for _, tt := range tests {
		p, o := parentAndOrdinal(tt.name)
		if p != tt.wantParent || o != tt.wantOrd {
			t.Errorf("parentAndOrdinal(%q) = %q, %d; want %q, %d", tt.name, p, o, tt.wantParent, tt.wantOrd)
		}
	}
}

// step is one reconcile in a scenario: what to do to the world first, and
// the actions reconcile must then take.
type step struct {
	before func(w *world)
	want   []string
}

func run(t *testing.T, w *world, steps []step) {
	t.Helper()
	for i, s := range steps {
		if s.before != nil {
			s.before(w)
		}
		got, _, err := w.sync()
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if diff := cmp.Diff(s.want, got); diff != "" {
			t.Fatalf("step %d actions (-want +got):\n%s", i, diff)
		}
	}
}

func TestOrdinalOrdering(t *testing.T) {
	withClaims := func(s *appsv1.StatefulSet) *appsv1.StatefulSet {
		s.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"}}}
		return s
	}
	parallel := func(s *appsv1.StatefulSet) *appsv1.StatefulSet {
		s.Spec.PodManagementPolicy = appsv1.ParallelPodManagement
		return s
	}
	start := func(s *appsv1.StatefulSet) *appsv1.StatefulSet {
		s.Spec.Ordinals = &appsv1.StatefulSetOrdinals{Start: 5}
		return s
	}
	tests := []struct {
		name  string
		set   *appsv1.StatefulSet
		steps []step
	}{
		{"OrderedReady creates one pod at a time, claims first", withClaims(newSet(3)), []step{
			{want: []string{"claim data-web-0", "create web-0"}},
			{want: nil}, // web-0 pending: wait
			{before: func(w *world) { w.pods["web-0"].Status.Phase = corev1.PodRunning }, want: nil}, // running, not ready
			{before: func(w *world) { w.ready("web-0") }, want: []string{"claim data-web-1", "create web-1"}},
			{before: func(w *world) { w.ready("web-1") }, want: []string{"claim data-web-2", "create web-2"}},
			{before: func(w *world) { w.ready("web-2") }, want: nil},
		}},
		{"Parallel creates all at once", parallel(newSet(3)), []step{
			{want: []string{"create web-0", "create web-1", "create web-2"}},
			{want: nil},
		}},
		{"a missing lower ordinal comes back before anything else", newSet(3), []step{
			{want: []string{"create web-0"}},
			{before: func(w *world) { w.ready("web-0") }, want: []string{"create web-1"}},
			{before: func(w *world) { w.ready("web-1"); delete(w.pods, "web-0") }, want: []string{"create web-0"}},
			{want: nil},
		}},
		{"ordinals start at spec.ordinals.start", start(newSet(2)), []step{
			{want: []string{"create web-5"}},
			{before: func(w *world) { w.ready("web-5") }, want: []string{"create web-6"}},
		}},
		{"scale down removes the highest ordinal first, one at a time", newSet(4), []step{
			{before: func(w *world) { w.readyUp(4) }, want: nil},
			{before: func(w *world) { w.set.Spec.Replicas = ptr.To[int32](1) }, want: []string{"delete web-3"}},
			{want: []string{"delete web-2"}},
			{want: []string{"delete web-1"}},
			{want: nil},
		}},
		{"scale down waits for a terminating pod", newSet(3), []step{
			{before: func(w *world) {
				w.readyUp(3)
				w.set.Spec.Replicas = ptr.To[int32](1)
				w.pods["web-2"].DeletionTimestamp = ptr.To(metav1.NewTime(t0))
			}, want: nil},
		}},
		{"an unhealthy pod halts scale down unless it is the one to go", newSet(3), []step{
			{before: func(w *world) {
				w.readyUp(3)
				w.set.Spec.Replicas = ptr.To[int32](1)
				w.pods["web-0"].Status.Conditions[0].Status = corev1.ConditionFalse
			}, want: nil},
			{before: func(w *world) {
				w.ready("web-0")
				w.pods["web-2"].Status.Conditions[0].Status = corev1.ConditionFalse
			}, want: []string{"delete web-2"}},
		}},
		{"failed pods are deleted, then recreated", newSet(2), []step{
			{before: func(w *world) {
				w.readyUp(2)
				w.pods["web-1"].Status.Phase = corev1.PodFailed
			}, want: []string{"delete web-1"}},
			{want: []string{"create web-1"}},
		}},
		{"lost identity labels are restored", newSet(1), []step{
			{before: func(w *world) { w.readyUp(1); delete(w.pods["web-0"].Labels, appsv1.PodIndexLabel) }, want: []string{"patch web-0"}},
		}},
		{"Parallel scale down deletes all condemned at once", parallel(newSet(3)), []step{
			{before: func(w *world) { w.readyUp(3); w.set.Spec.Replicas = ptr.To[int32](1) }, want: []string{"delete web-2", "delete web-1"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, newWorld(tt.set), tt.steps)
		})
	}
}

// readyUp creates web-0..n-1 through reconcile, making each ready.
func (w *world) readyUp(n int) {
	for range n + 1 {
		w.readyAll()
		if _, _, err := w.sync(); err != nil {
			panic(err)
		}
	}
	w.readyAll()
	w.actions = nil
}

func TestUpdateOrderingWithPartition(t *testing.T) {
	bump := func(w *world) { w.set.Spec.Template.Spec.Containers[0].Image = "img:2"; w.set.Generation++ }
	recreate := func(w *world) { w.sync(); w.readyAll(); w.actions = nil } // the deleted pod comes back at the new revision
	tests := []struct {
		name  string
		set   func(*appsv1.StatefulSet)
		steps []step
	}{
		{"highest ordinal first, waiting for each to be ready", nil, []step{
			{before: bump, want: []string{"delete web-3"}},
			{want: []string{"create web-3"}},
			{want: nil}, // web-3 not ready yet
			{before: func(w *world) { w.readyAll() }, want: []string{"delete web-2"}},
			{before: recreate, want: []string{"delete web-1"}},
			{before: recreate, want: []string{"delete web-0"}},
			{before: recreate, want: nil},
		}},
		{"the partition keeps lower ordinals", func(s *appsv1.StatefulSet) {
			s.Spec.UpdateStrategy.RollingUpdate.Partition = ptr.To[int32](2)
		}, []step{
			{before: bump, want: []string{"delete web-3"}},
			{before: recreate, want: []string{"delete web-2"}},
			{before: recreate, want: nil},
			{before: func(w *world) { delete(w.pods, "web-1") }, want: []string{"create web-1"}}, // recreated at the old revision
			{before: func(w *world) { w.readyAll() }, want: nil},
		}},
		{"maxUnavailable 2 updates two at a time", func(s *appsv1.StatefulSet) {
			s.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromInt32(2))
			s.Spec.PodManagementPolicy = appsv1.ParallelPodManagement
		}, []step{
			{before: bump, want: []string{"delete web-3", "delete web-2"}},
			{want: []string{"create web-2", "create web-3"}},
			{before: func(w *world) { w.readyAll() }, want: []string{"delete web-1", "delete web-0"}},
		}},
		{"OnDelete leaves pods alone", func(s *appsv1.StatefulSet) {
			s.Spec.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType}
		}, []step{
			{before: bump, want: nil},
			{before: func(w *world) { delete(w.pods, "web-2") }, want: []string{"create web-2"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := newSet(4)
			if tt.set != nil {
				tt.set(set)
			}
			w := newWorld(set)
			w.readyUp(4)
			oldRev := w.set.Status.UpdateRevision
			run(t, w, tt.steps)
			// Whatever remains, pods below the partition run the old
			// revision and the others the new one.
			p := 0
			if ru := w.set.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
				p = int(*ru.Partition)
			}
			for name, pod := range w.pods {
				wantOld := ordinalOf(pod) < p || w.set.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType && name != "web-2"
				if got := revisionOf(pod) == oldRev; got != wantOld {
					t.Errorf("%s at revision %s; old revision %s expected=%v", name, revisionOf(pod), oldRev, wantOld)
				}
			}
		})
	}
}

func TestStatusAndRevisions(t *testing.T) {
	w := newWorld(newSet(2))
	w.readyUp(2)
	st := w.set.Status
	if st.Replicas != 2 || st.ReadyReplicas != 2 || st.AvailableReplicas != 2 || st.CurrentReplicas != 2 || st.UpdatedReplicas != 2 ||
		st.CurrentRevision == "" || st.CurrentRevision != st.UpdateRevision || st.ObservedGeneration != 1 || ptr.Deref(st.CollisionCount, -1) != 0 {
		t.Fatalf("status = %+v", st)
	}
	first := st.UpdateRevision
	if r := w.revs[first]; r == nil || r.Revision != 1 {
		t.Fatalf("revision %s = %+v", first, r)
	}
	// An update: the new revision is the update revision until done.
	w.set.Spec.Template.Spec.Containers[0].Image = "img:2"
	w.set.Generation = 2
	w.sync()
	st = w.set.Status
	if st.UpdateRevision == first || st.CurrentRevision != first || st.CurrentReplicas != 1 || st.UpdatedReplicas != 0 || st.ObservedGeneration != 2 {
		t.Fatalf("mid-update status = %+v", st)
	}
	second := st.UpdateRevision
	for range 6 {
		w.readyAll()
		w.sync()
	}
	st = w.set.Status
	if st.CurrentRevision != second || st.UpdatedReplicas != 2 || st.CurrentReplicas != 2 {
		t.Fatalf("after the update status = %+v", st)
	}
	// Rolling back to the first template renumbers its revision instead
	// of creating a third.
	w.set.Spec.Template.Spec.Containers[0].Image = "img:1"
	w.sync()
	if len(w.revs) != 2 || w.revs[first].Revision != 3 || w.set.Status.UpdateRevision != first {
		t.Fatalf("rollback: revisions %d, %s is revision %d, update revision %s", len(w.revs), first, w.revs[first].Revision, w.set.Status.UpdateRevision)
	}
}

// minReadySeconds holds OrderedReady creation until the previous pod has
// been ready that long, and asks to be looked at again.
func TestMinReadySeconds(t *testing.T) {
	set := newSet(2)
	set.Spec.MinReadySeconds = 10
	w := newWorld(set)
	run(t, w, []step{{want: []string{"create web-0"}}})
	w.ready("web-0")
	w.clock.Step(5 * time.Second)
	got, requeue, err := w.sync()
	if err != nil || got != nil || requeue <= 0 || requeue > 10*time.Second {
		t.Fatalf("5s after ready: actions %v, requeue %v, err %v", got, requeue, err)
	}
	if w.set.Status.ReadyReplicas != 1 || w.set.Status.AvailableReplicas != 0 {
		t.Errorf("status = %+v", w.set.Status)
	}
	w.clock.Step(6 * time.Second)
	run(t, w, []step{{want: []string{"create web-1"}}})
}

func TestClaimRetentionRefs(t *testing.T) {
	del, keep := appsv1.DeletePersistentVolumeClaimRetentionPolicyType, appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	tests := []struct {
		whenDeleted, whenScaled appsv1.PersistentVolumeClaimRetentionPolicyType
		ordinal                 int
		want                    []string
	}{
		{keep, keep, 0, nil},
		{keep, keep, 5, nil},
		{del, keep, 0, []string{"StatefulSet"}},
		{del, keep, 5, []string{"StatefulSet"}},
		{keep, del, 0, nil},
		{keep, del, 5, []string{"Pod"}},
		{del, del, 0, []string{"StatefulSet"}},
		{del, del, 5, []string{"Pod"}},
	}
	for _, tt := range tests {
		set := newSet(2)
		set.Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{WhenDeleted: tt.whenDeleted, WhenScaled: tt.whenScaled}
		s := &syncer{set: set}
		pod := newPod(set, &set.Spec.Template, tt.ordinal, "r")
		pod.UID = "pod-uid"
		// Start from every reference of ours, to check removal too.
		start := []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "other", UID: "x"},
			*metav1.NewControllerRef(set, kind), {APIVersion: "v1", Kind: "Pod", Name: pod.Name, UID: pod.UID}}
		out, ok := s.wantClaimRefs(start, pod)
		var got []string
		for _, r := range out {
			if r.Kind != "ConfigMap" {
				got = append(got, r.Kind)
				if r.Controller == nil || !*r.Controller {
					t.Errorf("reference to %s is not a controller reference", r.Kind)
				}
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" || !ok {
			t.Errorf("whenDeleted=%s whenScaled=%s ordinal %d (-want +got):\n%s", tt.whenDeleted, tt.whenScaled, tt.ordinal, diff)
		}
	}

	set := newSet(2)
	set.Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{WhenDeleted: del, WhenScaled: del}
	s := &syncer{set: set}
	pod := newPod(set, &set.Spec.Template, 5, "r")
	pod.UID = "pod-uid"
	foreign := []metav1.OwnerReference{{APIVersion: "v1", Kind: "Thing", Name: "t", UID: "t", Controller: ptr.To(true)}, *metav1.NewControllerRef(set, kind)}
	if out, ok := s.wantClaimRefs(foreign, pod); !ok || len(out) != 1 || out[0].Kind != "Thing" {
		t.Errorf("claim controlled by another owner: %v, %v; want only our reference dropped", out, ok)
	}
	stale := []metav1.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: pod.Name, UID: "earlier-pod"}}
	if out, ok := s.wantClaimRefs(stale, pod); ok || !cmp.Equal(out, stale) {
		t.Errorf("claim of an earlier pod: %v, %v; want it left alone", out, ok)
	}
}

func TestNewPodIdentity(t *testing.T) {
	set := newSet(3)
	set.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"}}}
	set.Spec.Template.Spec.Volumes = []corev1.Volume{{Name: "data"}, {Name: "scratch"}}
	p := newPod(set, &set.Spec.Template, 2, "web-abc")
	want := map[string]string{"app": "web", "statefulset.kubernetes.io/pod-name": "web-2", "apps.kubernetes.io/pod-index": "2", "controller-revision-hash": "web-abc"}
	if diff := cmp.Diff(want, p.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if p.Name != "web-2" || p.Spec.Hostname != "web-2" || p.Spec.Subdomain != "web" || !identityLabelsMatch(p) {
		t.Errorf("identity: %s %s.%s", p.Name, p.Spec.Hostname, p.Spec.Subdomain)
	}
	if len(p.Spec.Volumes) != 2 || p.Spec.Volumes[0].PersistentVolumeClaim == nil || p.Spec.Volumes[0].PersistentVolumeClaim.ClaimName != "data-web-2" || p.Spec.Volumes[1].Name != "scratch" {
		t.Errorf("volumes = %+v", p.Spec.Volumes)
	}
	if ref := metav1.GetControllerOf(p); ref == nil || ref.UID != set.UID {
		t.Errorf("controller = %v", ref)
	}
}
