package replicaset

import (
	"context"
	"fmt"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/controller/expectations"
	"github.com/berth-dev/berth/internal/controller/worker"
)

// BurstReplicas caps the pods created or deleted in one sync, as
// upstream's --concurrent-...-syncs companion flag default.
const BurstReplicas = 500

// slowStartInitialBatch is the first batch of pod creations; each batch
// that fully succeeds doubles the next.
const slowStartInitialBatch = 1

// Deps are what reconcile needs, as small functions so tests need no
// fakes of whole clients. A ReplicationController reaches reconcile
// converted to a ReplicaSet.
type Deps struct {
	// Kind is the owner's kind, written into the pods' controllerRef.
	Kind schema.GroupVersionKind
	// Get returns the ReplicaSet from the informer cache.
	Get func(namespace, name string) (*appsv1.ReplicaSet, error)
	// Pods lists every pod of namespace from the informer cache.
	Pods func(namespace string) ([]*corev1.Pod, error)
	// Related lists the pods of rs and of the ReplicaSets with the same
	// controller as rs (deletion prefers pods doubled up with them).
	Related func(rs *appsv1.ReplicaSet) ([]*corev1.Pod, error)
	// Claim adopts orphans matching selector and releases owned pods that
	// no longer match; it returns the pods rs owns.
	Claim func(ctx context.Context, rs *appsv1.ReplicaSet, selector labels.Selector, pods []*corev1.Pod) ([]*corev1.Pod, error)
	// CreatePod creates a pod and returns the stored one.
	CreatePod func(ctx context.Context, pod *corev1.Pod) (*corev1.Pod, error)
	// DeletePod deletes namespace/name.
	DeletePod func(ctx context.Context, namespace, name string) error
	// UpdateStatus writes rs's status and returns the stored object.
	UpdateStatus func(ctx context.Context, rs *appsv1.ReplicaSet) (*appsv1.ReplicaSet, error)
	// Event records an event on the owner (the ReplicaSet or the
	// ReplicationController it was converted from).
	Event func(rs *appsv1.ReplicaSet, eventType, reason, message string)
	// Expectations are the creations and deletions in flight, per key.
	Expectations *expectations.Expectations
	Now          func() time.Time
	// Burst caps creations and deletions per sync (default BurstReplicas).
	Burst int
	// CountTerminating fills status.terminatingReplicas (ReplicaSets have
	// it, ReplicationControllers do not).
	CountTerminating bool
}

// reconcile brings the number of pods of the ReplicaSet named by key to
// its spec.replicas and writes its status.
func reconcile(ctx context.Context, d Deps, key string) (worker.Result, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return worker.Result{}, nil
	}
	rs, err := d.Get(ns, name)
	if apierrors.IsNotFound(err) {
		d.Expectations.Delete(key)
		return worker.Result{}, nil
	}
	if err != nil {
		return worker.Result{}, err
	}
	needsSync := d.Expectations.Satisfied(key)
	selector, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
	if err != nil {
		// Validation forbids this; nothing to do until the object changes.
		return worker.Result{}, nil
	}
	all, err := d.Pods(ns)
	if err != nil {
		return worker.Result{}, err
	}
	var live []*corev1.Pod
	dying := 0
	for _, p := range all {
		switch {
		case active(p):
			live = append(live, p)
		case terminating(p):
			if ref := metav1.GetControllerOfNoCopy(p); ref != nil && ref.UID == rs.UID && selector.Matches(labels.Set(p.Labels)) {
				dying++
			}
		}
	}
	owned, err := d.Claim(ctx, rs, selector, live)
	if err != nil {
		return worker.Result{}, err
	}
	var manageErr error
	if needsSync && rs.DeletionTimestamp == nil {
		manageErr = manage(ctx, d, key, rs, owned)
	}
	var terminatingN *int32
	if d.CountTerminating {
		terminatingN = ptr.To(int32(dying))
	}
	st, next := calculateStatus(rs, owned, terminatingN, manageErr, d.Now())
	if !statusEqual(rs.Status, st) {
		rs = rs.DeepCopy()
		rs.Status = st
		if _, err := d.UpdateStatus(ctx, rs); err != nil {
			if apierrors.IsNotFound(err) {
				return worker.Result{}, nil
			}
			return worker.Result{}, fmt.Errorf("update status of %s: %w", key, err)
		}
	}
	if manageErr != nil {
		return worker.Result{}, manageErr
	}
	// Look again when the next ready pod has been ready minReadySeconds.
	if next > 0 {
		return worker.Result{RequeueAfter: next + 100*time.Millisecond}, nil
	}
	return worker.Result{}, nil
}

// manage creates or deletes pods so that len(pods) approaches
// spec.replicas, at most Burst of them per sync.
func manage(ctx context.Context, d Deps, key string, rs *appsv1.ReplicaSet, pods []*corev1.Pod) error {
	burst := d.Burst
	if burst <= 0 {
		burst = BurstReplicas
	}
	diff := len(pods) - int(replicas(rs))
	switch {
	case diff < 0:
		n := min(-diff, burst)
		d.Expectations.ExpectCreations(key, n)
		ref := metav1.NewControllerRef(rs, d.Kind)
		created, err := slowStart(n, slowStartInitialBatch, func() error {
			pod, err := d.CreatePod(ctx, podFromTemplate(rs, ref))
			if err != nil {
				if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
					// Every create will fail until the namespace is gone.
					return nil
				}
				d.Event(rs, corev1.EventTypeWarning, "FailedCreate", fmt.Sprintf("Error creating: %v", err))
				return fmt.Errorf("create pod for %s: %w", key, err)
			}
			d.Event(rs, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: "+pod.Name)
			return nil
		})
		// Creations never attempted or failed will never be observed.
		for range n - created {
			d.Expectations.CreationObserved(key)
		}
		return err
	case diff > 0:
		n := min(diff, burst)
		related, err := d.Related(rs)
		if err != nil {
			related = nil
		}
		victims := podsToDelete(pods, related, n, d.Now())
		uids := make([]string, len(victims))
		for i, p := range victims {
			uids[i] = string(p.UID)
		}
		d.Expectations.ExpectDeletions(key, uids)
		errs := make(chan error, len(victims))
		var wg sync.WaitGroup
		for _, p := range victims {
			wg.Go(func() {
				err := d.DeletePod(ctx, p.Namespace, p.Name)
				if err == nil {
					d.Event(rs, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: "+p.Name)
					return
				}
				// This deletion will never be observed.
				d.Expectations.DeletionObserved(key, string(p.UID))
				if !apierrors.IsNotFound(err) {
					d.Event(rs, corev1.EventTypeWarning, "FailedDelete", fmt.Sprintf("Error deleting: %v", err))
					errs <- fmt.Errorf("delete pod %s/%s: %w", p.Namespace, p.Name, err)
				}
			})
		}
		wg.Wait()
		close(errs)
		return <-errs
	}
	return nil
}

// slowStart calls fn count times in batches of initial, 2*initial, …,
// each batch in parallel, stopping after the first batch with a failure.
// It returns how many calls succeeded and the first error.
func slowStart(count, initial int, fn func() error) (int, error) {
	done := 0
	for batch := min(count, initial); batch > 0; batch = min(2*batch, count-done) {
		errs := make(chan error, batch)
		var wg sync.WaitGroup
		for range batch {
			wg.Go(func() {
				if err := fn(); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		failed := len(errs)
		done += batch - failed
		if failed > 0 {
			return done, <-errs
		}
	}
	return done, nil
}
