package history

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/rand"
)

// HashLabel is the label on a ControllerRevision holding the hash of its
// data (upstream's controller.kubernetes.io/hash).
const HashLabel = "controller.kubernetes.io/hash"

// maxPrefix keeps "<prefix>-<hash>" within the 253 characters of a name.
const maxPrefix = 223

// Patch returns the data a revision of template stores: a strategic
// merge patch {"spec":{"template":{...,"$patch":"replace"}}}. The bytes
// are those upstream records for the same template, so hashes agree.
func Patch(template *corev1.PodTemplateSpec) ([]byte, error) {
	raw, err := json.Marshal(template)
	if err != nil {
		return nil, fmt.Errorf("encode pod template: %w", err)
	}
	var tmpl map[string]any
	if err := json.Unmarshal(raw, &tmpl); err != nil {
		return nil, fmt.Errorf("decode pod template: %w", err)
	}
	tmpl["$patch"] = "replace"
	return json.Marshal(map[string]any{"spec": map[string]any{"template": tmpl}})
}

// Template decodes the pod template a revision made by Patch stores.
func Template(rev *appsv1.ControllerRevision) (*corev1.PodTemplateSpec, error) {
	var patch struct {
		Spec struct {
			Template json.RawMessage `json:"template"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(rev.Data.Raw, &patch); err != nil {
		return nil, fmt.Errorf("decode revision %s: %w", rev.Name, err)
	}
	var tmpl map[string]any
	if err := json.Unmarshal(patch.Spec.Template, &tmpl); err != nil {
		return nil, fmt.Errorf("decode revision %s template: %w", rev.Name, err)
	}
	delete(tmpl, "$patch")
	raw, err := json.Marshal(tmpl)
	if err != nil {
		return nil, err
	}
	out := &corev1.PodTemplateSpec{}
	if err := json.Unmarshal(raw, out); err != nil {
		return nil, fmt.Errorf("decode revision %s template: %w", rev.Name, err)
	}
	return out, nil
}

// Hash is the FNV-32 hash of data, followed by collisionCount when it is
// set, encoded with rand.SafeEncodeString as upstream does.
func Hash(data []byte, collisionCount *int32) string {
	h := fnv.New32()
	h.Write(data)
	if collisionCount != nil {
		h.Write([]byte(strconv.FormatInt(int64(*collisionCount), 10)))
	}
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

// Name is "<prefix>-<hash>", with prefix cut to 223 characters.
func Name(prefix, hash string) string {
	if len(prefix) > maxPrefix {
		prefix = prefix[:maxPrefix]
	}
	return prefix + "-" + hash
}

// New returns a revision of owner (of kind) storing data, labelled with
// templateLabels and the hash, named from the hash.
func New(owner metav1.Object, kind schema.GroupVersionKind, templateLabels map[string]string, data []byte, revision int64, collisionCount *int32) *appsv1.ControllerRevision {
	labels := make(map[string]string, len(templateLabels)+1)
	for k, v := range templateLabels {
		labels[k] = v
	}
	hash := Hash(data, collisionCount)
	labels[HashLabel] = hash
	return &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{
			Name:            Name(owner.GetName(), hash),
			Namespace:       owner.GetNamespace(),
			Labels:          labels,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(owner, kind)},
		},
		Data:     runtime.RawExtension{Raw: data},
		Revision: revision,
	}
}

// Equal reports whether two revisions hold the same data (nil equals
// only nil). Upstream compares hash labels first, but its labels never
// parse as the integers it expects, so in effect only data counts; a
// revision made under another collisionCount is still equal.
func Equal(a, b *appsv1.ControllerRevision) bool {
	if a == nil || b == nil {
		return a == b
	}
	return bytes.Equal(a.Data.Raw, b.Data.Raw)
}

// FindEqual returns the revisions equal to needle, in their order.
func FindEqual(revisions []*appsv1.ControllerRevision, needle *appsv1.ControllerRevision) []*appsv1.ControllerRevision {
	var out []*appsv1.ControllerRevision
	for _, r := range revisions {
		if Equal(r, needle) {
			out = append(out, r)
		}
	}
	return out
}

// Sort orders revisions by Revision, then creation time, then name.
func Sort(revisions []*appsv1.ControllerRevision) {
	slices.SortStableFunc(revisions, func(a, b *appsv1.ControllerRevision) int {
		if a.Revision != b.Revision {
			if a.Revision < b.Revision {
				return -1
			}
			return 1
		}
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			if a.CreationTimestamp.Before(&b.CreationTimestamp) {
				return -1
			}
			return 1
		}
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
}

// Next is the Revision number after the last of sorted revisions (1 for
// an empty history).
func Next(sorted []*appsv1.ControllerRevision) int64 {
	if len(sorted) == 0 {
		return 1
	}
	return sorted[len(sorted)-1].Revision + 1
}

// Truncate returns the revisions to delete so that at most limit revisions
// that are not live remain: the oldest non-live ones first. sorted must be
// ordered by Sort; a negative limit keeps everything.
func Truncate(sorted []*appsv1.ControllerRevision, live func(name string) bool, limit int) []*appsv1.ControllerRevision {
	var old []*appsv1.ControllerRevision
	for _, r := range sorted {
		if !live(r.Name) {
			old = append(old, r)
		}
	}
	if limit < 0 || len(old) <= limit {
		return nil
	}
	return old[:len(old)-limit]
}

// Client is what Create needs from the API.
type Client struct {
	Create func(ctx context.Context, rev *appsv1.ControllerRevision) (*appsv1.ControllerRevision, error)
	Get    func(ctx context.Context, namespace, name string) (*appsv1.ControllerRevision, error)
}

// maxCollisions bounds Create's renaming loop.
const maxCollisions = 100

// Create stores rev under owner's name and the hash of its data and
// collisionCount. If a revision with other data already holds that name,
// collisionCount is raised and the name recomputed, as upstream; an
// existing revision with the same data is returned as is. Labels holding
// the revision's hash label value are updated with the name.
func Create(ctx context.Context, c Client, ownerName string, rev *appsv1.ControllerRevision, collisionCount *int32) (*appsv1.ControllerRevision, error) {
	if collisionCount == nil {
		return nil, fmt.Errorf("create revision for %s: collisionCount is nil", ownerName)
	}
	clone := rev.DeepCopy()
	// rev was named from its data and the count as it was.
	prev := Hash(rev.Data.Raw, collisionCount)
	for range maxCollisions {
		hash := Hash(rev.Data.Raw, collisionCount)
		clone.Name = Name(ownerName, hash)
		// Labels carrying the hash follow the rename.
		for k, v := range clone.Labels {
			if v == prev {
				clone.Labels[k] = hash
			}
		}
		prev = hash
		created, err := c.Create(ctx, clone)
		if !apierrors.IsAlreadyExists(err) {
			if err != nil {
				return nil, fmt.Errorf("create revision %s: %w", clone.Name, err)
			}
			return created, nil
		}
		existing, err := c.Get(ctx, clone.Namespace, clone.Name)
		if err != nil {
			return nil, fmt.Errorf("get revision %s: %w", clone.Name, err)
		}
		if bytes.Equal(existing.Data.Raw, clone.Data.Raw) {
			return existing, nil
		}
		*collisionCount++
	}
	return nil, fmt.Errorf("create revision for %s: %d name collisions", ownerName, maxCollisions)
}
