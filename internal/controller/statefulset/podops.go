package statefulset

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
		c.OwnerReferences = s.wantClaimRefs(c.OwnerReferences, pod)
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

// Retention policy, as upstream: whenDeleted=Delete gives each claim an
// owner reference to the set, so deleting the set deletes it;
// whenScaled=Delete gives the claims of a pod beyond the replicas an
// owner reference to that pod, so scaling down deletes them (and then
// not to the set). Retain means no such reference.

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

// wantClaimRefs returns refs with the owner references the retention
// policy wants for a claim of pod, and without those it does not.
func (s *syncer) wantClaimRefs(refs []metav1.OwnerReference, pod *corev1.Pod) []metav1.OwnerReference {
	set := s.set
	whenDeleted, whenScaled := retention(set)
	scaledDown := !inRange(set, ordinalOf(pod))
	wantPod := whenScaled == appsv1.DeletePersistentVolumeClaimRetentionPolicyType && scaledDown && created(pod)
	wantSet := whenDeleted == appsv1.DeletePersistentVolumeClaimRetentionPolicyType && !wantPod
	out := slices.DeleteFunc(slices.Clone(refs), func(r metav1.OwnerReference) bool {
		if r.UID == set.UID {
			return !wantSet
		}
		// References to this pod go unless wanted; those to an earlier
		// pod of the same name always go.
		return created(pod) && r.Kind == "Pod" && r.Name == pod.Name && (r.UID != pod.UID || !wantPod)
	})
	has := func(uid string) bool {
		return slices.ContainsFunc(out, func(r metav1.OwnerReference) bool { return string(r.UID) == uid })
	}
	if wantSet && !has(string(set.UID)) {
		out = append(out, metav1.OwnerReference{APIVersion: kind.GroupVersion().String(), Kind: kind.Kind, Name: set.Name, UID: set.UID})
	}
	if wantPod && !has(string(pod.UID)) {
		out = append(out, metav1.OwnerReference{APIVersion: "v1", Kind: "Pod", Name: pod.Name, UID: pod.UID})
	}
	return out
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
		want := s.wantClaimRefs(existing.OwnerReferences, pod)
		if sameRefs(existing.OwnerReferences, want) {
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

func sameRefs(a, b []metav1.OwnerReference) bool {
	return slices.EqualFunc(a, b, func(x, y metav1.OwnerReference) bool { return x.UID == y.UID })
}

func joinErrs(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return fmt.Errorf("%w (and %d more)", errs[0], len(errs)-1)
}
