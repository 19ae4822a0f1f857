package daemonset

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/podcondition"
)

// burst caps the creations and deletions of one sync, as upstream's
// burstReplicas.
const burst = 250

// manage creates daemon pods on nodes that should run one and lack it,
// and deletes pods that must not stay: on nodes that no longer fit, extra
// pods on one node, failed and succeeded pods, and unscheduled pods
// pinned to nodes that are gone.
func (s *syncer) manage(ctx context.Context) error {
	var create []string
	var remove []*corev1.Pod
	for _, node := range s.nodes {
		c, r := s.onNode(node)
		create = append(create, c...)
		remove = append(remove, r...)
	}
	exists := map[string]bool{}
	for _, n := range s.nodes {
		exists[n.Name] = true
	}
	for name, pods := range s.byNode {
		if exists[name] {
			continue
		}
		for _, p := range pods {
			if p.Spec.NodeName == "" {
				remove = append(remove, p)
			}
		}
	}
	return s.syncNodes(ctx, remove, create)
}

// onNode decides one node's creations and deletions.
func (s *syncer) onNode(node *corev1.Node) (create []string, remove []*corev1.Pod) {
	ds := s.ds
	run, keep := shouldRun(node, ds)
	pods, exists := s.byNode[node.Name]
	switch {
	case run && !exists:
		return []string{node.Name}, nil
	case keep:
		var running []*corev1.Pod
		for _, p := range pods {
			switch {
			case p.DeletionTimestamp != nil:
			case p.Status.Phase == corev1.PodFailed:
				// Daemons and kubelets that reject them can fight; back
				// off per node and generation.
				key := fmt.Sprintf("%s/%d/%s", ds.UID, ds.Status.ObservedGeneration, node.Name)
				if s.d.Backoff.IsInBackOffSinceUpdate(key, s.now) {
					s.after(s.d.Backoff.Get(key))
					continue
				}
				s.d.Backoff.Next(key, s.now)
				s.d.Event(ds, corev1.EventTypeWarning, reasonFailedDaemonPod,
					fmt.Sprintf("Found failed daemon pod %s/%s on node %s, will try to kill it", p.Namespace, p.Name, node.Name))
				remove = append(remove, p)
			case p.Status.Phase == corev1.PodSucceeded:
				s.d.Event(ds, corev1.EventTypeNormal, reasonSucceededDaemonPod,
					fmt.Sprintf("Found succeeded daemon pod %s/%s on node %s, will try to delete it", p.Namespace, p.Name, node.Name))
				remove = append(remove, p)
			default:
				running = append(running, p)
			}
		}
		byAge(running)
		if !allowsSurge(ds) {
			// Keep the oldest.
			if len(running) > 1 {
				remove = append(remove, running[1:]...)
			}
			return nil, remove
		}
		if len(running) <= 1 {
			if len(running) == 0 && run {
				create = append(create, node.Name)
			}
			return create, remove
		}
		// Surging: keep the oldest new pod and the oldest old pod; the old
		// one goes once it is unready or the new one is available.
		var newest, oldest *corev1.Pod
		for _, p := range running {
			switch {
			case p.Labels[hashLabel] == s.hash && newest == nil:
				newest = p
			case p.Labels[hashLabel] != s.hash && oldest == nil:
				oldest = p
			default:
				remove = append(remove, p)
			}
		}
		if newest != nil && oldest != nil && (!podcondition.Ready(oldest) || available(newest, ds.Spec.MinReadySeconds, metav1.NewTime(s.now))) {
			remove = append(remove, oldest)
		}
		return create, remove
	case exists:
		for _, p := range pods {
			if p.DeletionTimestamp == nil {
				remove = append(remove, p)
			}
		}
	}
	return nil, remove
}

// syncNodes deletes remove and creates a pod on each node of create,
// within the burst limit, recording what it expects to see.
func (s *syncer) syncNodes(ctx context.Context, remove []*corev1.Pod, create []string) error {
	ds := s.ds
	if len(create) > burst {
		create = create[:burst]
	}
	if len(remove) > burst {
		remove = remove[:burst]
	}
	var errs []error
	if len(create) > 0 {
		s.d.Expectations.ExpectCreations(s.key, len(create))
		tmpl := podTemplate(ds, s.hash)
		ref := metav1.NewControllerRef(ds, kind)
		for i, node := range create {
			pod := &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{
					GenerateName: ds.Name + "-", Namespace: ds.Namespace,
					Labels: tmpl.Labels, Annotations: tmpl.Annotations, Finalizers: tmpl.Finalizers,
					OwnerReferences: []metav1.OwnerReference{*ref},
				},
				Spec: *tmpl.Spec.DeepCopy(),
			}
			pod.Spec.Affinity = pinToNode(pod.Spec.Affinity, node)
			created, err := s.d.CreatePod(ctx, ds.Namespace, pod)
			if err != nil {
				s.d.Expectations.CreationObserved(s.key)
				if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
					continue
				}
				s.d.Event(ds, corev1.EventTypeWarning, "FailedCreate", fmt.Sprintf("Error creating: %v", err))
				errs = append(errs, fmt.Errorf("create daemon pod for node %s: %w", node, err))
				// As upstream's slow start: stop after a failure, and
				// stop expecting what was not attempted.
				for range create[i+1:] {
					s.d.Expectations.CreationObserved(s.key)
				}
				break
			}
			s.d.Event(ds, corev1.EventTypeNormal, "SuccessfulCreate", fmt.Sprintf("Created pod: %s", created.Name))
		}
	}
	if len(remove) > 0 {
		uids := make([]string, 0, len(remove))
		for _, p := range remove {
			uids = append(uids, string(p.UID))
		}
		if len(create) == 0 {
			// The shared expectations hold either creations or deletions
			// for a key; creations matter more (a pod created twice is a
			// second daemon on the node, a pod deleted twice is NotFound).
			s.d.Expectations.ExpectDeletions(s.key, uids)
		}
		for _, p := range remove {
			err := s.d.DeletePod(ctx, p)
			if err != nil {
				s.d.Expectations.DeletionObserved(s.key, string(p.UID))
				if !apierrors.IsNotFound(err) {
					s.d.Event(ds, corev1.EventTypeWarning, "FailedDelete", fmt.Sprintf("Error deleting: %v", err))
					errs = append(errs, fmt.Errorf("delete pod %s/%s: %w", p.Namespace, p.Name, err))
				}
				continue
			}
			s.d.Event(ds, corev1.EventTypeNormal, "SuccessfulDelete", fmt.Sprintf("Deleted pod: %s", p.Name))
		}
	}
	return errors.Join(errs...)
}
