package statefulset

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// event records verb's outcome on pod (or on a claim of pod) with
// upstream's reasons and messages.
func (s *syncer) event(verb, pod, claim string, err error) {
	what := fmt.Sprintf("Pod %s", pod)
	if claim != "" {
		what = fmt.Sprintf("Claim %s Pod %s", claim, pod)
		if err != nil {
			what = fmt.Sprintf("Claim %s for Pod %s", claim, pod)
		}
	}
	lower := strings.ToLower(verb)
	if err != nil {
		s.d.Event(s.set, corev1.EventTypeWarning, "Failed"+verb, fmt.Sprintf("%s %s in StatefulSet %s failed error: %s", lower, what, s.set.Name, err))
		return
	}
	ok := "successful"
	if claim != "" {
		ok = "success"
	}
	s.d.Event(s.set, corev1.EventTypeNormal, "Successful"+verb, fmt.Sprintf("%s %s in StatefulSet %s %s", lower, what, s.set.Name, ok))
}

// createPod creates pod's claims, then pod.
func (s *syncer) createPod(ctx context.Context, pod *corev1.Pod) error {
	if err := s.createClaims(ctx, pod); err != nil {
		return err
	}
	err := s.d.CreatePod(ctx, pod)
	if apierrors.IsAlreadyExists(err) {
		// The cache has not seen it yet; its event will bring us back.
		return nil
	}
	s.event("Create", pod.Name, "", err)
	if err != nil {
		return fmt.Errorf("create pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return nil
}

func (s *syncer) deletePod(ctx context.Context, pod *corev1.Pod) error {
	err := s.d.DeletePod(ctx, pod)
	if apierrors.IsNotFound(err) {
		return nil
	}
	s.event("Delete", pod.Name, "", err)
	if err != nil {
		return fmt.Errorf("delete pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return nil
}

// fixPod restores the identity labels of a pod that lost them.
func (s *syncer) fixPod(ctx context.Context, pod *corev1.Pod) error {
	fixed := pod.DeepCopy()
	fixIdentity(fixed)
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"labels": map[string]string{
		podNameLabel: fixed.Labels[podNameLabel], podIndexLabel: fixed.Labels[podIndexLabel]}}})
	if err != nil {
		return err
	}
	err = s.d.PatchPod(ctx, pod.Namespace, pod.Name, patch)
	s.event("Update", pod.Name, "", err)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("update pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return nil
}

// createClaims creates the claims of pod's ordinal that do not exist yet.
func (s *syncer) createClaims(ctx context.Context, pod *corev1.Pod) error {
	var errs []error
	for _, c := range newClaims(s.set, ordinalOf(pod)) {
		existing, err := s.d.GetClaim(c.Namespace, c.Name)
		switch {
		case err == nil:
			if existing.DeletionTimestamp != nil {
				errs = append(errs, fmt.Errorf("pvc %s is being deleted", c.Name))
			}
			continue
		case !apierrors.IsNotFound(err):
			errs = append(errs, fmt.Errorf("get pvc %s: %w", c.Name, err))
			continue
		}
		c.OwnerReferences, _ = s.wantClaimRefs(c.OwnerReferences, pod)
		err = s.d.CreateClaim(ctx, c)
		if apierrors.IsAlreadyExists(err) {
			continue
		}
		s.event("Create", pod.Name, c.Name, err)
		if err != nil {
			errs = append(errs, fmt.Errorf("create pvc %s: %w", c.Name, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("claims of pod %s/%s: %w", pod.Namespace, pod.Name, joinErrs(errs))
	}
	return nil
}

// claimsStale reports whether a claim the new pod would use still belongs
// to a previous pod of the same name (it carries that pod's owner
// reference and the garbage collector is about to delete it) or is being
// deleted: the pod must wait for it to go.
func (s *syncer) claimsStale(pod *corev1.Pod) (bool, error) {
	if _, whenScaled := retention(s.set); whenScaled == appsv1.RetainPersistentVolumeClaimRetentionPolicyType {
		// Claims are meant to be reused; a leftover reference is removed
		// once the new pod runs.
		return false, nil
	}
	for _, c := range newClaims(s.set, ordinalOf(pod)) {
		existing, err := s.d.GetClaim(c.Namespace, c.Name)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return false, err
		}
		if existing.DeletionTimestamp != nil {
			return true, nil
		}
		for _, ref := range existing.OwnerReferences {
			if ref.Kind == "Pod" && ref.Name == pod.Name && ref.UID != pod.UID {
				return true, nil
			}
		}
	}
	return false, nil
}

// Retention policy, as upstream: whenDeleted=Delete makes the set the
// controller of each claim, so deleting the set deletes it; whenScaled=
// Delete makes a pod beyond the replicas the controller of its claims
// (and then not the set), so scaling down deletes them. Retain means no
// such reference. Claims controlled by something else, or carrying a
// reference to an earlier set or pod of the same name, are left alone.

func retention(set *appsv1.StatefulSet) (whenDeleted, whenScaled appsv1.PersistentVolumeClaimRetentionPolicyType) {
	whenDeleted, whenScaled = appsv1.RetainPersistentVolumeClaimRetentionPolicyType, appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	if p := set.Spec.PersistentVolumeClaimRetentionPolicy; p != nil {
		if p.WhenDeleted != "" {
			whenDeleted = p.WhenDeleted
		}
		if p.WhenScaled != "" {
			whenScaled = p.WhenScaled
		}
	}
	return whenDeleted, whenScaled
}

var podKind = corev1.SchemeGroupVersion.WithKind("Pod")

// refersTo reports whether ref names obj of kind gvk (whatever its UID).
func refersTo(ref metav1.OwnerReference, obj metav1.Object, gvk schema.GroupVersionKind) bool {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	return err == nil && gv.Group == gvk.Group && ref.Kind == gvk.Kind && ref.Name == obj.GetName()
}

// wantClaimRefs returns refs with the owner references the retention
// policy wants for a claim of pod, and without those it does not; keep is
// false when the claim must be left as it is.
func (s *syncer) wantClaimRefs(refs []metav1.OwnerReference, pod *corev1.Pod) (out []metav1.OwnerReference, keep bool) {
	set := s.set
	ours := func(r metav1.OwnerReference) bool {
		return refersTo(r, set, kind) || (created(pod) && refersTo(r, pod, podKind))
	}
	for _, r := range refs {
		if ours(r) && r.UID != set.UID && r.UID != pod.UID {
			// Managed for an earlier set or pod of that name.
			return refs, false
		}
	}
	out = slices.DeleteFunc(slices.Clone(refs), ours)
	for _, r := range out {
		if r.Controller != nil && *r.Controller {
			// Another controller owns the claim: only drop our refs.
			return out, true
		}
	}
	whenDeleted, whenScaled := retention(set)
	scaledDown := !inRange(set, ordinalOf(pod))
	wantPod := whenScaled == appsv1.DeletePersistentVolumeClaimRetentionPolicyType && scaledDown && created(pod)
	wantSet := whenDeleted == appsv1.DeletePersistentVolumeClaimRetentionPolicyType &&
		!(whenScaled == appsv1.DeletePersistentVolumeClaimRetentionPolicyType && scaledDown)
	if wantSet {
		out = append(out, *metav1.NewControllerRef(set, kind))
	}
	if wantPod {
		out = append(out, *metav1.NewControllerRef(pod, podKind))
	}
	return out, true
}

// fixClaims brings the owner references of pod's existing claims in line
// with the retention policy.
func (s *syncer) fixClaims(ctx context.Context, pod *corev1.Pod) error {
	for _, c := range newClaims(s.set, ordinalOf(pod)) {
		existing, err := s.d.GetClaim(c.Namespace, c.Name)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		want, keep := s.wantClaimRefs(existing.OwnerReferences, pod)
		if !keep || equality.Semantic.DeepEqual(existing.OwnerReferences, want) || (len(want) == 0 && len(existing.OwnerReferences) == 0) {
			continue
		}
		updated := existing.DeepCopy()
		updated.OwnerReferences = want
		if err := s.d.UpdateClaim(ctx, updated); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("update owner references of pvc %s/%s: %w", c.Namespace, c.Name, err)
		}
	}
	return nil
}

func joinErrs(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return fmt.Errorf("%w (and %d more)", errs[0], len(errs)-1)
}
