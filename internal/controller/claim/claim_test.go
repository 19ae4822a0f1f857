package claim

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

func pod(name string, lbl map[string]string, owner types.UID) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("pod-" + name), Labels: lbl}}
	if owner != "" {
		p.OwnerReferences = []metav1.OwnerReference{{UID: owner, Name: "x", Kind: "ReplicaSet", Controller: ptr.To(true)}}
	}
	return p
}

func TestClaim(t *testing.T) {
	owner := &metav1.ObjectMeta{Name: "rs", Namespace: "ns", UID: "rs-uid"}
	app := map[string]string{"app": "web"}
	other := map[string]string{"app": "db"}
	pods := []*corev1.Pod{
		pod("mine", app, "rs-uid"),
		pod("orphan", app, ""),
		pod("strayed", other, "rs-uid"),
		pod("theirs", app, "other-uid"),
		pod("unrelated", other, ""),
	}
	patched := map[string]string{}
	m := &Manager{
		Owner: owner, OwnerKind: schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "ReplicaSet"},
		Selector: labels.SelectorFromSet(app),
		Patch: func(_ context.Context, name string, patch []byte) error {
			patched[name] = string(patch)
			return nil
		},
	}
	got, err := Claim(context.Background(), m, pods)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range got {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{"mine", "orphan"}) {
		t.Errorf("claimed %v, want [mine orphan]", names)
	}
	if len(patched) != 2 {
		t.Fatalf("patched %v, want orphan and strayed", patched)
	}
	var adopt struct {
		Metadata struct {
			OwnerReferences []metav1.OwnerReference
			UID             types.UID
		}
	}
	if err := json.Unmarshal([]byte(patched["orphan"]), &adopt); err != nil {
		t.Fatal(err)
	}
	if r := adopt.Metadata.OwnerReferences; len(r) != 1 || r[0].UID != "rs-uid" || !*r[0].Controller || r[0].APIVersion != "apps/v1" || adopt.Metadata.UID != "pod-orphan" {
		t.Errorf("adopt patch = %s", patched["orphan"])
	}
	if want := `{"metadata":{"ownerReferences":[{"$patch":"delete","uid":"rs-uid"}],"uid":"pod-strayed"}}`; patched["strayed"] != want {
		t.Errorf("release patch = %s, want %s", patched["strayed"], want)
	}
}

func TestClaimRefusesWhenOwnerCannotAdopt(t *testing.T) {
	owner := &metav1.ObjectMeta{Name: "rs", Namespace: "ns", UID: "rs-uid"}
	calls := 0
	m := &Manager{
		Owner: owner, OwnerKind: schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "ReplicaSet"},
		Selector: labels.Everything(),
		CanAdopt: OwnerCheck("rs-uid", func(context.Context) (metav1.Object, error) {
			calls++
			return &metav1.ObjectMeta{Name: "rs", UID: "new-uid"}, nil
		}),
		Patch: func(context.Context, string, []byte) error { return errors.New("must not patch") },
	}
	got, err := Claim(context.Background(), m, []*corev1.Pod{pod("a", nil, ""), pod("b", nil, "")})
	if err == nil || len(got) != 0 {
		t.Fatalf("Claim = %v, %v; want nothing and an error", got, err)
	}
	if calls != 1 {
		t.Errorf("owner read %d times, want once", calls)
	}
}
