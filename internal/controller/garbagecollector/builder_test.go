package garbagecollector

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// recorder is a builder whose queues and events are recorded.
type recorder struct {
	b        *builder
	deletes  []types.UID
	orphans  []types.UID
	warnings []string
}

func newRecorder() *recorder {
	r := &recorder{}
	r.b = &builder{graph: newGraph(), absent: newAbsentOwners(10),
		attemptToDelete: func(u types.UID) { r.deletes = append(r.deletes, u) },
		attemptToOrphan: func(u types.UID) { r.orphans = append(r.orphans, u) },
		warn:            func(ref objectRef, reason, _ string) { r.warnings = append(r.warnings, ref.Name+": "+reason) }}
	return r
}

func (r *recorder) feed(t *testing.T, typ eventType, o *obj, old *obj) {
	t.Helper()
	ev := &event{typ: typ, gvk: schema.FromAPIVersionAndKind(o.m.APIVersion, o.m.Kind), obj: o.m.DeepCopy()}
	if old != nil {
		ev.old = old.m.DeepCopy()
	}
	if _, err := r.b.process(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
}

// take returns and clears the recorded queue entries.
func (r *recorder) take() (deletes, orphans []types.UID) {
	deletes, orphans = r.deletes, r.orphans
	r.deletes, r.orphans = nil, nil
	return deletes, orphans
}

func (r *recorder) node(t *testing.T, uid types.UID) *node {
	t.Helper()
	n, ok := r.b.graph.nodes[uid]
	if !ok {
		t.Fatalf("no node %s", uid)
	}
	return n
}

func dependentNames(n *node) []string {
	var out []string
	for d := range n.dependents {
		out = append(out, d.ref.Name)
	}
	slices.Sort(out)
	return out
}

func TestBuilderVirtualOwner(t *testing.T) {
	r := newRecorder()
	owner := cm("owner")
	r.feed(t, addEvent, cm("dep").ownedBy(owner, true), nil)
	n := r.node(t, "owner-uid")
	if !n.virtual || n.ref.Namespace != "ns" || !slices.Equal(dependentNames(n), []string{"dep"}) {
		t.Fatalf("owner node %+v, want virtual in ns with dependent dep", n)
	}
	if del, _ := r.take(); !slices.Equal(del, []types.UID{"owner-uid"}) {
		t.Errorf("enqueued %v, want the virtual owner verified", del)
	}
	r.feed(t, addEvent, owner, nil)
	if n := r.node(t, "owner-uid"); n.virtual {
		t.Errorf("owner still virtual after its add event")
	}
	if del, _ := r.take(); len(del) != 0 {
		t.Errorf("enqueued %v on a matching owner, want nothing", del)
	}
}

func TestBuilderOwnerDeleted(t *testing.T) {
	r := newRecorder()
	owner := cm("owner")
	r.feed(t, addEvent, owner, nil)
	r.feed(t, addEvent, cm("a").ownedBy(owner, false), nil)
	r.feed(t, addEvent, cm("b").ownedBy(owner, false), nil)
	r.take()
	r.feed(t, deleteEvent, owner, nil)
	if _, ok := r.b.graph.nodes["owner-uid"]; ok {
		t.Fatal("owner still in the graph")
	}
	del, _ := r.take()
	slices.Sort(del)
	if diff := cmp.Diff([]types.UID{"a-uid", "b-uid"}, del); diff != "" {
		t.Errorf("enqueued (-want +got):\n%s", diff)
	}
	if !r.b.absent.has(owner.ref()) {
		t.Errorf("deleted owner not remembered as absent")
	}
}

func TestBuilderVirtualDelete(t *testing.T) {
	r := newRecorder()
	owner := cm("ghost")
	r.feed(t, addEvent, cm("dep").ownedBy(owner, false), nil)
	r.take()
	if _, err := r.b.process(t.Context(), &event{typ: deleteEvent, virtual: true, gvk: schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"},
		obj: &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "ghost", Namespace: "ns", UID: "ghost-uid"}}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.b.graph.nodes["ghost-uid"]; ok {
		t.Fatal("virtual owner still in the graph")
	}
	if del, _ := r.take(); !slices.Equal(del, []types.UID{"dep-uid"}) {
		t.Errorf("enqueued %v, want the dependent", del)
	}
}

func TestBuilderTransitions(t *testing.T) {
	owner := cm("owner")
	for _, tc := range []struct {
		name         string
		update       *obj
		wantDeletes  []types.UID
		wantOrphans  []types.UID
		wantDeleting bool
	}{
		{name: "foreground deletion starts", update: cm("owner").deleting(metav1.FinalizerDeleteDependents),
			wantDeletes: []types.UID{"dep-uid", "owner-uid"}, wantDeleting: true},
		{name: "orphaning starts", update: cm("owner").deleting(metav1.FinalizerOrphanDependents),
			wantOrphans: []types.UID{"owner-uid"}},
		{name: "background deletion: nothing until the owner is gone", update: cm("owner").deleting("other")},
		{name: "plain update", update: cm("owner").withFinalizers(metav1.FinalizerDeleteDependents)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRecorder()
			r.feed(t, addEvent, owner, nil)
			r.feed(t, addEvent, cm("dep").ownedBy(owner, true), nil)
			r.take()
			r.feed(t, updateEvent, tc.update, owner)
			del, orph := r.take()
			if diff := cmp.Diff(tc.wantDeletes, del); diff != "" {
				t.Errorf("attemptToDelete (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantOrphans, orph); diff != "" {
				t.Errorf("attemptToOrphan (-want +got):\n%s", diff)
			}
			if got := r.node(t, "owner-uid").deletingDependents; got != tc.wantDeleting {
				t.Errorf("deletingDependents = %v, want %v", got, tc.wantDeleting)
			}
			// The same state again is no transition.
			r.feed(t, updateEvent, tc.update, tc.update)
			if del, orph := r.take(); len(del)+len(orph) > 0 {
				t.Errorf("repeated update enqueued %v %v", del, orph)
			}
		})
	}
}

func TestBuilderOwnerRefChanges(t *testing.T) {
	r := newRecorder()
	a, b := cm("a"), cm("b")
	r.feed(t, addEvent, a, nil)
	r.feed(t, addEvent, b, nil)
	dep := cm("dep").ownedBy(a, true).ownedBy(b, false)
	r.feed(t, addEvent, dep, nil)
	r.take()

	// Dropping the blocking reference to a may unblock a's deletion.
	moved := cm("dep").ownedBy(b, false)
	r.feed(t, updateEvent, moved, dep)
	if del, _ := r.take(); !slices.Equal(del, []types.UID{"a-uid"}) {
		t.Errorf("enqueued %v, want the unblocked owner a", del)
	}
	if d := dependentNames(r.node(t, "a-uid")); len(d) != 0 {
		t.Errorf("a's dependents %v, want none", d)
	}
	if d := dependentNames(r.node(t, "b-uid")); !slices.Equal(d, []string{"dep"}) {
		t.Errorf("b's dependents %v, want dep", d)
	}
	// Setting blockOwnerDeletion=false unblocks too.
	blocked := cm("dep").ownedBy(b, true)
	r.feed(t, updateEvent, blocked, moved)
	r.take()
	r.feed(t, updateEvent, moved, blocked)
	if del, _ := r.take(); !slices.Equal(del, []types.UID{"b-uid"}) {
		t.Errorf("enqueued %v, want the unblocked owner b", del)
	}
}

func TestBuilderInvalidNamespace(t *testing.T) {
	t.Run("owner seen first", func(t *testing.T) {
		r := newRecorder()
		owner := cm("owner")
		owner.m.Namespace = "elsewhere"
		r.feed(t, addEvent, owner, nil)
		r.feed(t, addEvent, cm("dep").ownedBy(owner, false), nil)
		if !slices.Equal(r.warnings, []string{"dep: OwnerRefInvalidNamespace"}) {
			t.Errorf("warnings %v", r.warnings)
		}
		if del, _ := r.take(); !slices.Equal(del, []types.UID{"dep-uid"}) {
			t.Errorf("enqueued %v, want the dependent checked", del)
		}
	})
	t.Run("dependent seen first", func(t *testing.T) {
		r := newRecorder()
		owner := cm("owner")
		owner.m.Namespace = "elsewhere"
		r.feed(t, addEvent, cm("dep").ownedBy(owner, false), nil)
		r.take()
		r.feed(t, addEvent, owner, nil)
		if !slices.Equal(r.warnings, []string{"dep: OwnerRefInvalidNamespace"}) {
			t.Errorf("warnings %v", r.warnings)
		}
		if del, _ := r.take(); !slices.Equal(del, []types.UID{"dep-uid"}) {
			t.Errorf("enqueued %v, want the dependent checked", del)
		}
	})
	t.Run("cluster-scoped owner of namespaced dependents is fine", func(t *testing.T) {
		r := newRecorder()
		role := clusterRole("role")
		r.feed(t, addEvent, role, nil)
		r.feed(t, addEvent, cm("dep").ownedBy(role, true), nil)
		if del, _ := r.take(); len(r.warnings) > 0 || len(del) > 0 {
			t.Errorf("warnings %v, enqueued %v; want none", r.warnings, del)
		}
	})
}

func TestGraphSnapshot(t *testing.T) {
	r := newRecorder()
	owner := cm("owner")
	r.feed(t, addEvent, owner, nil)
	r.feed(t, addEvent, cm("held").ownedBy(owner, true), nil)
	r.feed(t, addEvent, cm("loose").ownedBy(owner, false), nil)
	it, ok := r.b.graph.snapshot("owner-uid")
	if !ok {
		t.Fatal("no snapshot")
	}
	slices.SortFunc(it.dependents, func(a, b dependent) int { return strings.Compare(a.ref.Name, b.ref.Name) })
	want := []dependent{{ref: cm("held").ref(), blocking: true}, {ref: cm("loose").ref()}}
	if diff := cmp.Diff(want, it.dependents, cmp.AllowUnexported(dependent{}, objectRef{})); diff != "" {
		t.Errorf("dependents (-want +got):\n%s", diff)
	}
}
