package garbagecollector

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// obj builds object metadata for the fake world.
type obj struct{ m *metav1.PartialObjectMetadata }

func cm(name string) *obj {
	return &obj{&metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID(name + "-uid"), ResourceVersion: "1"}}}
}

func clusterRole(name string) *obj {
	o := cm(name)
	o.m.APIVersion, o.m.Kind, o.m.Namespace = "rbac.authorization.k8s.io/v1", "ClusterRole", ""
	return o
}

func (o *obj) ownedBy(owner *obj, block bool) *obj {
	o.m.OwnerReferences = append(o.m.OwnerReferences, metav1.OwnerReference{APIVersion: owner.m.APIVersion,
		Kind: owner.m.Kind, Name: owner.m.Name, UID: owner.m.UID, BlockOwnerDeletion: ptr.To(block)})
	return o
}

func (o *obj) deleting(finalizers ...string) *obj {
	o.m.DeletionTimestamp = ptr.To(metav1.Unix(100, 0))
	o.m.Finalizers = finalizers
	return o
}

func (o *obj) ref() objectRef {
	return objectRef{APIVersion: o.m.APIVersion, Kind: o.m.Kind, Name: o.m.Name, UID: o.m.UID, Namespace: o.m.Namespace}
}

// item is the graph's view of o, with dependents.
func (o *obj) item(deps ...dependent) item {
	return item{ref: o.ref(), beingDeleted: o.m.DeletionTimestamp != nil,
		deletingDependents: o.m.DeletionTimestamp != nil && slices.Contains(o.m.Finalizers, metav1.FinalizerDeleteDependents),
		dependents:         deps}
}

// dep is o as a dependent of its first owner.
func (o *obj) dep() dependent {
	d := dependent{ref: o.ref(), deletingDependents: o.m.DeletionTimestamp != nil && slices.Contains(o.m.Finalizers, metav1.FinalizerDeleteDependents)}
	if len(o.m.OwnerReferences) > 0 {
		d.blocking = ptr.Deref(o.m.OwnerReferences[0].BlockOwnerDeletion, false)
	}
	return d
}

// world is the API server as the decisions see it, and what they did.
type world struct {
	objs     map[string]*metav1.PartialObjectMetadata // by kind/namespace/name
	gets     int
	deleted  map[string]metav1.DeletionPropagation // by name
	gone     []string
	enqueued []types.UID
	warnings []string
	editErr  error
}

func key(kind, ns, name string) string { return kind + "/" + ns + "/" + name }

func newWorld(objs ...*obj) *world {
	w := &world{objs: map[string]*metav1.PartialObjectMetadata{}, deleted: map[string]metav1.DeletionPropagation{}}
	for _, o := range objs {
		w.objs[key(o.m.Kind, o.m.Namespace, o.m.Name)] = o.m.DeepCopy()
	}
	return w
}

func (w *world) lookup(ref objectRef) (*metav1.PartialObjectMetadata, error) {
	ns := ref.Namespace
	if ref.Kind == "ClusterRole" {
		ns = ""
	}
	m, ok := w.objs[key(ref.Kind, ns, ref.Name)]
	if !ok {
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: ref.Kind}, ref.Name)
	}
	return m, nil
}

func (w *world) deps() Deps {
	return Deps{
		Namespaced: func(_, kind string) (bool, error) {
			switch kind {
			case "ConfigMap":
				return true, nil
			case "ClusterRole":
				return false, nil
			}
			return false, errors.New("no kind " + kind)
		},
		Get: func(_ context.Context, ref objectRef) (*metav1.PartialObjectMetadata, error) {
			w.gets++
			m, err := w.lookup(ref)
			if err != nil {
				return nil, err
			}
			return m.DeepCopy(), nil
		},
		Delete: func(_ context.Context, ref objectRef, _ *metav1.PartialObjectMetadata, policy metav1.DeletionPropagation) error {
			if _, err := w.lookup(ref); err != nil {
				return err
			}
			w.deleted[ref.Name] = policy
			return nil
		},
		EditOwnerRefs: func(_ context.Context, ref objectRef, edit func([]metav1.OwnerReference) []metav1.OwnerReference) error {
			if w.editErr != nil {
				return w.editErr
			}
			m, err := w.lookup(ref)
			if err != nil {
				return err
			}
			m.OwnerReferences = edit(slices.Clone(m.OwnerReferences))
			return nil
		},
		RemoveFinalizer: func(_ context.Context, ref objectRef, f string) error {
			m, err := w.lookup(ref)
			if err != nil {
				return err
			}
			m.Finalizers = slices.DeleteFunc(m.Finalizers, func(x string) bool { return x == f })
			return nil
		},
		Gone:    func(ref objectRef) { w.gone = append(w.gone, ref.Name) },
		Enqueue: func(uid types.UID) { w.enqueued = append(w.enqueued, uid) },
		Warn:    func(ref objectRef, reason, _ string) { w.warnings = append(w.warnings, ref.Name+": "+reason) },
		Absent:  newAbsentOwners(10),
	}
}

func (w *world) owners(name string) []types.UID {
	var out []types.UID
	for _, o := range w.objs[key("ConfigMap", "ns", name)].OwnerReferences {
		out = append(out, o.UID)
	}
	return out
}

func (w *world) finalizers(name string) []string {
	return w.objs[key("ConfigMap", "ns", name)].Finalizers
}

func TestAttemptToDelete(t *testing.T) {
	owner, other := cm("owner"), cm("other")
	fgOwner := cm("owner").deleting(metav1.FinalizerDeleteDependents)
	role := clusterRole("role")
	for _, tc := range []struct {
		name string
		// in the world; the item is the first of them unless set.
		objs []*obj
		item *item
		// gone, the item's virtual: the world does not have the item.
		wantOutcome  outcome
		wantDeleted  map[string]metav1.DeletionPropagation
		wantOwners   []types.UID // the item's ownerReferences after
		wantGone     []string
		wantEnqueued []types.UID
		wantFinals   []string // the item's finalizers after
		wantWarnings []string
	}{
		{
			name:        "owner gone: deleted in the background",
			objs:        []*obj{cm("dep").ownedBy(owner, false)},
			wantDeleted: map[string]metav1.DeletionPropagation{"dep": metav1.DeletePropagationBackground},
			wantOwners:  []types.UID{"owner-uid"},
		},
		{
			name:       "one of two owners gone: its reference is removed",
			objs:       []*obj{cm("dep").ownedBy(owner, true).ownedBy(other, false), other},
			wantOwners: []types.UID{"other-uid"},
		},
		{
			name:       "owner with another UID counts as gone",
			objs:       []*obj{cm("dep").ownedBy(owner, false).ownedBy(other, false), cm("owner").uid("new"), other},
			wantOwners: []types.UID{"other-uid"},
		},
		{
			name:       "all owners live: kept",
			objs:       []*obj{cm("dep").ownedBy(owner, false).ownedBy(other, false), owner, other},
			wantOwners: []types.UID{"owner-uid", "other-uid"},
		},
		{
			name: "no owners: kept",
			objs: []*obj{cm("lonely")},
		},
		{
			name:        "garbage that is to orphan its own dependents keeps that policy",
			objs:        []*obj{cm("dep").ownedBy(owner, false).withFinalizers(metav1.FinalizerOrphanDependents)},
			wantDeleted: map[string]metav1.DeletionPropagation{"dep": metav1.DeletePropagationOrphan},
			wantOwners:  []types.UID{"owner-uid"},
			wantFinals:  []string{metav1.FinalizerOrphanDependents},
		},
		{
			name:        "owner deleted in the foreground, item without dependents: deleted in the background",
			objs:        []*obj{cm("dep").ownedBy(owner, true), fgOwner},
			wantDeleted: map[string]metav1.DeletionPropagation{"dep": metav1.DeletePropagationBackground},
			wantOwners:  []types.UID{"owner-uid"},
		},
		{
			name:        "owner deleted in the foreground, item with dependents: deleted in the foreground",
			objs:        []*obj{cm("rs").ownedBy(owner, true), fgOwner, cm("pod").ownedBy(cm("rs"), true)},
			item:        ptr.To(cm("rs").ownedBy(owner, true).item(cm("pod").ownedBy(cm("rs"), true).dep())),
			wantDeleted: map[string]metav1.DeletionPropagation{"rs": metav1.DeletePropagationForeground},
			wantOwners:  []types.UID{"owner-uid"},
		},
		{
			name: "a dependent also deleting dependents may be a cycle: references unblocked first",
			objs: []*obj{cm("a").ownedBy(owner, true), fgOwner},
			item: ptr.To(cm("a").ownedBy(owner, true).item(
				cm("b").ownedBy(cm("a"), true).deleting(metav1.FinalizerDeleteDependents).dep())),
			wantDeleted: map[string]metav1.DeletionPropagation{"a": metav1.DeletePropagationForeground},
			wantOwners:  []types.UID{"owner-uid"},
		},
		{
			name:       "a live owner and one deleting in the foreground: the waiting reference is removed",
			objs:       []*obj{cm("dep").ownedBy(owner, true).ownedBy(other, false), fgOwner, other},
			wantOwners: []types.UID{"other-uid"},
		},
		{
			name:     "item gone: the graph is told",
			objs:     []*obj{owner},
			item:     ptr.To(cm("dep").ownedBy(owner, false).item()),
			wantGone: []string{"dep"},
		},
		{
			name:     "item recreated with another UID: the graph is told",
			objs:     []*obj{cm("dep").uid("new")},
			item:     ptr.To(cm("dep").item()),
			wantGone: []string{"dep"},
		},
		{
			name:       "item being deleted in the background: left to finish",
			objs:       []*obj{cm("dep").ownedBy(owner, false).deleting("x")},
			wantOwners: []types.UID{"owner-uid"},
			wantFinals: []string{"x"},
		},
		{
			name: "foreground: a blocking dependent keeps the finalizer and is looked at",
			objs: []*obj{fgOwner},
			item: ptr.To(fgOwner.item(cm("held").ownedBy(owner, true).dep(),
				cm("loose").ownedBy(owner, false).dep())),
			wantEnqueued: []types.UID{"held-uid"},
			wantFinals:   []string{metav1.FinalizerDeleteDependents},
		},
		{
			name:       "foreground: no blocking dependent left, the finalizer goes",
			objs:       []*obj{fgOwner},
			item:       ptr.To(fgOwner.item(cm("loose").ownedBy(owner, false).dep())),
			wantFinals: []string{},
		},
		{
			name:       "namespaced dependent of a live cluster-scoped owner: kept",
			objs:       []*obj{cm("dep").ownedBy(role, true), role},
			wantOwners: []types.UID{"role-uid"},
		},
		{
			name:        "namespaced dependent of a gone cluster-scoped owner: deleted",
			objs:        []*obj{cm("dep").ownedBy(role, true)},
			wantDeleted: map[string]metav1.DeletionPropagation{"dep": metav1.DeletePropagationBackground},
			wantOwners:  []types.UID{"role-uid"},
		},
		{
			name:         "cluster-scoped dependent of a namespaced owner: warned, not collected",
			objs:         []*obj{clusterRole("crole").ownedBy(owner, false)},
			wantOwners:   []types.UID{"owner-uid"},
			wantWarnings: []string{"crole: OwnerRefInvalidNamespace"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(tc.objs...)
			it := tc.objs[0].item()
			if tc.item != nil {
				it = *tc.item
			}
			got, err := attemptToDelete(t.Context(), w.deps(), it)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.wantOutcome {
				t.Errorf("outcome %v, want %v", got, tc.wantOutcome)
			}
			if tc.wantDeleted == nil {
				tc.wantDeleted = map[string]metav1.DeletionPropagation{}
			}
			if diff := cmp.Diff(tc.wantDeleted, w.deleted); diff != "" {
				t.Errorf("deleted (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantGone, w.gone); diff != "" {
				t.Errorf("gone (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantEnqueued, w.enqueued); diff != "" {
				t.Errorf("enqueued (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantWarnings, w.warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
			if m, err := w.lookup(it.ref); err == nil && m.UID == it.ref.UID {
				var owners []types.UID
				for _, o := range m.OwnerReferences {
					owners = append(owners, o.UID)
				}
				if diff := cmp.Diff(tc.wantOwners, owners); diff != "" {
					t.Errorf("ownerReferences (-want +got):\n%s", diff)
				}
				if tc.wantFinals != nil || len(m.Finalizers) > 0 {
					if diff := cmp.Diff(tc.wantFinals, m.Finalizers, cmpEmpty); diff != "" {
						t.Errorf("finalizers (-want +got):\n%s", diff)
					}
				}
			}
		})
	}
}

// cmpEmpty treats nil and empty slices alike.
var cmpEmpty = cmp.Comparer(func(a, b []string) bool { return slices.Equal(a, b) })

func (o *obj) uid(u string) *obj { o.m.UID = types.UID(u); return o }

func (o *obj) withFinalizers(f ...string) *obj { o.m.Finalizers = f; return o }

func TestAttemptToDeleteCycleUnblocks(t *testing.T) {
	owner := cm("owner").deleting(metav1.FinalizerDeleteDependents)
	a := cm("a").ownedBy(owner, true)
	w := newWorld(a, owner)
	it := a.item(cm("b").ownedBy(a, true).deleting(metav1.FinalizerDeleteDependents).dep())
	if _, err := attemptToDelete(t.Context(), w.deps(), it); err != nil {
		t.Fatal(err)
	}
	if got := w.objs[key("ConfigMap", "ns", "a")].OwnerReferences[0].BlockOwnerDeletion; got == nil || *got {
		t.Errorf("blockOwnerDeletion = %v, want false", got)
	}
}

func TestAttemptToDeleteVirtual(t *testing.T) {
	owner := cm("owner")
	t.Run("existing but not observed yet: checked again", func(t *testing.T) {
		w := newWorld(owner)
		it := owner.item()
		it.virtual = true
		got, err := attemptToDelete(t.Context(), w.deps(), it)
		if err != nil || got != recheck {
			t.Fatalf("attemptToDelete = %v, %v; want recheck", got, err)
		}
	})
	t.Run("absent: the graph is told and the dependents' lookups are cached", func(t *testing.T) {
		w := newWorld(cm("d1").ownedBy(owner, false), cm("d2").ownedBy(owner, false))
		d := w.deps()
		it := owner.item()
		it.virtual = true
		if got, err := attemptToDelete(t.Context(), d, it); err != nil || got != done || !slices.Equal(w.gone, []string{"owner"}) {
			t.Fatalf("attemptToDelete = %v, %v, gone %v; want done and owner gone", got, err, w.gone)
		}
		for _, name := range []string{"d1", "d2"} {
			if _, err := attemptToDelete(t.Context(), d, cm(name).ownedBy(owner, false).item()); err != nil {
				t.Fatal(err)
			}
		}
		// owner, d1, its owner (absent, cached), d2 (owner cached).
		if w.gets != 4 || len(w.deleted) != 2 {
			t.Errorf("gets %d, deleted %v; want 4 gets and both deleted", w.gets, w.deleted)
		}
	})
}

func TestAttemptToDeleteErrors(t *testing.T) {
	w := newWorld(cm("dep").ownedBy(&obj{&metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "x/v1", Kind: "Unknown"},
		ObjectMeta: metav1.ObjectMeta{Name: "u", UID: "u"}}}, false))
	if _, err := attemptToDelete(t.Context(), w.deps(), cm("dep").item()); err == nil {
		t.Fatal("an owner of an unknown kind must be retried, got no error")
	}
	if len(w.deleted) > 0 {
		t.Errorf("deleted %v with an owner of unknown kind", w.deleted)
	}
}

func TestAttemptToOrphan(t *testing.T) {
	owner := cm("owner").deleting(metav1.FinalizerOrphanDependents)
	other := cm("other")
	deps := []*obj{cm("only").ownedBy(owner, true), cm("shared").ownedBy(owner, false).ownedBy(other, false)}
	item := func() item {
		return owner.item(deps[0].dep(), deps[1].dep(), cm("vanished").ownedBy(owner, false).dep())
	}
	t.Run("references removed, then the finalizer", func(t *testing.T) {
		w := newWorld(owner, deps[0], deps[1])
		if err := attemptToOrphan(t.Context(), w.deps(), item()); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string][]types.UID{"only": nil, "shared": {"other-uid"}},
			map[string][]types.UID{"only": w.owners("only"), "shared": w.owners("shared")}); diff != "" {
			t.Errorf("ownerReferences (-want +got):\n%s", diff)
		}
		if f := w.finalizers("owner"); len(f) != 0 {
			t.Errorf("owner finalizers %v, want none", f)
		}
	})
	t.Run("a failed update keeps the finalizer", func(t *testing.T) {
		w := newWorld(owner, deps[0], deps[1])
		w.editErr = apierrors.NewTimeoutError("slow", 1)
		if err := attemptToOrphan(t.Context(), w.deps(), item()); err == nil {
			t.Fatal("want an error")
		}
		if f := w.finalizers("owner"); !slices.Equal(f, []string{metav1.FinalizerOrphanDependents}) {
			t.Errorf("owner finalizers %v, want the orphan finalizer kept", f)
		}
	})
}
