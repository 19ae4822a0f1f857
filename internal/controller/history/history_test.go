package history

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

func template(image string) *corev1.PodTemplateSpec {
	return &corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: image}}},
	}
}

func TestPatchReplacesTheTemplate(t *testing.T) {
	got, err := Patch(template("nginx:1"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"spec":{"template":{"$patch":"replace","metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"image":"nginx:1","name":"c","resources":{}}]}}}}`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("patch (-want +got):\n%s", diff)
	}
	back, err := Template(&appsv1.ControllerRevision{Data: rawOf(got)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(template("nginx:1"), back); diff != "" {
		t.Errorf("template round trip (-want +got):\n%s", diff)
	}
}

func TestHash(t *testing.T) {
	a, _ := Patch(template("nginx:1"))
	b, _ := Patch(template("nginx:2"))
	tests := []struct {
		name       string
		x, y       []byte
		cx, cy     *int32
		wantSameAs bool
	}{
		{"same data", a, a, nil, nil, true},
		{"other data", a, b, nil, nil, false},
		{"collision count changes the hash", a, a, nil, ptr.To[int32](1), false},
		{"zero count is not no count", a, a, nil, ptr.To[int32](0), false},
		{"same count", a, a, ptr.To[int32](2), ptr.To[int32](2), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hx, hy := Hash(tt.x, tt.cx), Hash(tt.y, tt.cy)
			if (hx == hy) != tt.wantSameAs {
				t.Errorf("Hash = %q and %q, want same=%v", hx, hy, tt.wantSameAs)
			}
			if strings.ContainsAny(hx, "aeiou0123") {
				// SafeEncodeString avoids vowels and look-alike digits.
				t.Errorf("hash %q has unsafe characters", hx)
			}
		})
	}
}

func TestNameCutsLongPrefixes(t *testing.T) {
	if got := Name("web", "abc"); got != "web-abc" {
		t.Errorf("Name = %q", got)
	}
	if got := Name(strings.Repeat("x", 300), "abc"); len(got) != 227 {
		t.Errorf("len(Name) = %d, want 223+1+3", len(got))
	}
}

func rev(name string, n int64) *appsv1.ControllerRevision {
	return &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: name}, Revision: n}
}

func names(rs []*appsv1.ControllerRevision) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

func TestSortAndNext(t *testing.T) {
	rs := []*appsv1.ControllerRevision{rev("c", 3), rev("a", 1), rev("b", 2)}
	Sort(rs)
	if diff := cmp.Diff([]string{"a", "b", "c"}, names(rs)); diff != "" {
		t.Errorf("sorted (-want +got):\n%s", diff)
	}
	if got := Next(rs); got != 4 {
		t.Errorf("Next = %d, want 4", got)
	}
	if got := Next(nil); got != 1 {
		t.Errorf("Next(nil) = %d, want 1", got)
	}
}

func TestTruncate(t *testing.T) {
	all := []*appsv1.ControllerRevision{rev("r1", 1), rev("r2", 2), rev("r3", 3), rev("r4", 4), rev("r5", 5)}
	tests := []struct {
		name  string
		live  []string
		limit int
		want  []string
	}{
		{"under the limit", []string{"r5"}, 10, nil},
		{"oldest non-live go first", []string{"r5"}, 2, []string{"r1", "r2"}},
		{"live revisions are kept whatever their age", []string{"r1", "r5"}, 1, []string{"r2", "r3"}},
		{"zero keeps only live ones", []string{"r4"}, 0, []string{"r1", "r2", "r3", "r5"}},
		{"negative keeps all", nil, -1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			live := map[string]bool{}
			for _, n := range tt.live {
				live[n] = true
			}
			got := Truncate(all, func(n string) bool { return live[n] }, tt.limit)
			if diff := cmp.Diff(tt.want, names(got)); diff != "" {
				t.Errorf("deleted (-want +got):\n%s", diff)
			}
		})
	}
}

// A name taken by a revision with other data raises collisionCount and
// renames; a name taken by the same data is that revision.
func TestCreateHandlesCollisions(t *testing.T) {
	owner := &metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "u1"}
	kind := schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "StatefulSet"}
	data, _ := Patch(template("nginx:1"))
	store := map[string]*appsv1.ControllerRevision{}
	c := Client{
		Create: func(_ context.Context, r *appsv1.ControllerRevision) (*appsv1.ControllerRevision, error) {
			if _, ok := store[r.Name]; ok {
				return nil, apierrors.NewAlreadyExists(schema.GroupResource{Resource: "controllerrevisions"}, r.Name)
			}
			store[r.Name] = r.DeepCopy()
			return r, nil
		},
		Get: func(_ context.Context, _, name string) (*appsv1.ControllerRevision, error) {
			return store[name], nil
		},
	}
	var count int32
	r := New(owner, kind, map[string]string{"app": "web"}, data, 1, &count)
	r.Labels["controller-revision-hash"] = r.Labels[HashLabel] // as DaemonSets label theirs
	// Occupy the first name with other data.
	store[r.Name] = &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: r.Name}, Data: rawOf([]byte(`{}`))}
	got, err := Create(t.Context(), c, "web", r, &count)
	if err != nil {
		t.Fatal(err)
	}
	if count != 1 {
		t.Errorf("collisionCount = %d, want 1", count)
	}
	if want := Name("web", Hash(data, ptr.To[int32](1))); got.Name != want || got.Labels[HashLabel] != Hash(data, ptr.To[int32](1)) {
		t.Errorf("created %s (hash label %s), want %s", got.Name, got.Labels[HashLabel], want)
	}
	if got.Labels["controller-revision-hash"] != got.Labels[HashLabel] || got.Labels["app"] != "web" {
		t.Errorf("labels after the rename = %v", got.Labels)
	}
	if ref := metav1.GetControllerOf(got); ref == nil || ref.UID != "u1" || ref.Kind != "StatefulSet" {
		t.Errorf("controller ref = %+v", ref)
	}
	again, err := Create(t.Context(), c, "web", r, &count)
	if err != nil || again.Name != got.Name || count != 1 {
		t.Errorf("second Create = %v, %v (count %d), want the same revision", again.Name, err, count)
	}
}

func rawOf(b []byte) runtime.RawExtension { return runtime.RawExtension{Raw: b} }
