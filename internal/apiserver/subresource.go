package apiserver

import (
	"context"
	"fmt"
	"net/http"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/berth-dev/berth/internal/registry"
)

var scaleGVK = autoscalingv1.SchemeGroupVersion.WithKind("Scale")

// scaleOf reads the Scale view of a workload.
func scaleOf(obj runtime.Object) (*autoscalingv1.Scale, error) {
	sc := &autoscalingv1.Scale{}
	var sel *metav1.LabelSelector
	switch o := obj.(type) {
	case *appsv1.Deployment:
		sc.ObjectMeta, sc.Spec.Replicas, sc.Status.Replicas, sel = o.ObjectMeta, deref(o.Spec.Replicas), o.Status.Replicas, o.Spec.Selector
	case *appsv1.ReplicaSet:
		sc.ObjectMeta, sc.Spec.Replicas, sc.Status.Replicas, sel = o.ObjectMeta, deref(o.Spec.Replicas), o.Status.Replicas, o.Spec.Selector
	case *appsv1.StatefulSet:
		sc.ObjectMeta, sc.Spec.Replicas, sc.Status.Replicas, sel = o.ObjectMeta, deref(o.Spec.Replicas), o.Status.Replicas, o.Spec.Selector
	case *corev1.ReplicationController:
		sc.ObjectMeta, sc.Spec.Replicas, sc.Status.Replicas = o.ObjectMeta, deref(o.Spec.Replicas), o.Status.Replicas
		sel = &metav1.LabelSelector{MatchLabels: o.Spec.Selector}
	default:
		return nil, fmt.Errorf("no scale subresource for %T", obj)
	}
	if sel != nil {
		s, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil {
			return nil, err
		}
		sc.Status.Selector = s.String()
	}
	sc.ObjectMeta = metav1.ObjectMeta{Name: sc.Name, Namespace: sc.Namespace, UID: sc.UID,
		ResourceVersion: sc.ResourceVersion, CreationTimestamp: sc.CreationTimestamp}
	sc.APIVersion, sc.Kind = scaleGVK.GroupVersion().String(), scaleGVK.Kind
	return sc, nil
}

func setReplicas(obj runtime.Object, n int32) {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		o.Spec.Replicas = &n
	case *appsv1.ReplicaSet:
		o.Spec.Replicas = &n
	case *appsv1.StatefulSet:
		o.Spec.Replicas = &n
	case *corev1.ReplicationController:
		o.Spec.Replicas = &n
	}
}

func deref(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

// scale serves get/update/patch of the scale subresource: the request
// reads and writes an autoscaling/v1 Scale, stored as spec.replicas.
func (s *Server) scale(req *request) {
	neg, err := negotiate(req.r, false)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	ctx, cancel := requestContext(req.r)
	defer cancel()
	if req.info.Verb == "get" {
		obj, err := req.store.Get(ctx, req.info.Namespace, req.info.Name, nil)
		if err == nil {
			var sc *autoscalingv1.Scale
			if sc, err = scaleOf(obj); err == nil {
				writeObject(req.w, http.StatusOK, neg, sc)
				return
			}
		}
		writeError(req.w, req.r, err)
		return
	}
	if req.info.Verb != "update" && req.info.Verb != "patch" {
		writeError(req.w, req.r, methodNotAllowed())
		return
	}
	p, err := readWriteParams(req.r)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	body, err := readBody(req.r)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	var patchType string
	if req.info.Verb == "patch" {
		patchType = mediaTypeOf(req.r)
		if patchType == mediaApplyPatchYAML {
			writeError(req.w, req.r, apierrors.NewBadRequest("server-side apply is not supported on the scale subresource"))
			return
		}
	}
	fn := func(_ context.Context, old runtime.Object) (runtime.Object, error) {
		cur, err := scaleOf(old)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		var want *autoscalingv1.Scale
		if req.info.Verb == "update" {
			obj, _, err := decodeBody(req.r, body, scaleGVK, &autoscalingv1.Scale{})
			if err != nil {
				return nil, err
			}
			want = obj.(*autoscalingv1.Scale)
			if want.Name != req.info.Name {
				return nil, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", want.Name, req.info.Name))
			}
		} else {
			sreq := &request{info: req.info, res: scaleResource, w: req.w, r: req.r}
			obj, _, err := s.applyPatch(sreq, patchType, body, cur, metav1.FieldValidationStrict)
			if err != nil {
				return nil, err
			}
			want = obj.(*autoscalingv1.Scale)
		}
		if want.Spec.Replicas < 0 {
			return nil, apierrors.NewInvalid(scaleGVK.GroupKind(), req.info.Name, fieldErr("spec.replicas", want.Spec.Replicas, "must be greater than or equal to 0"))
		}
		out := old.DeepCopyObject()
		setReplicas(out, want.Spec.Replicas)
		m, _ := meta.Accessor(out)
		m.SetResourceVersion(want.ResourceVersion)
		return out, nil
	}
	out, _, err := req.store.Update(ctx, req.info.Namespace, req.info.Name, fn,
		registry.WriteOptions{DryRun: p.dryRun, FieldManager: p.manager})
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	sc, err := scaleOf(out)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	writeObject(req.w, http.StatusOK, neg, sc)
}

// scaleResource lets applyPatch decode Scale objects.
var scaleResource = &registry.Resource{Group: "autoscaling", Version: "v1", Resource: "scale", Kind: "Scale",
	New: func() runtime.Object { return &autoscalingv1.Scale{} }}

// bind serves pods/binding: assign a pending pod to a node.
func (s *Server) bind(req *request) {
	neg, p, body, ok := readWrite(req, false)
	if !ok {
		return
	}
	obj, _, err := decodeBody(req.r, body, corev1.SchemeGroupVersion.WithKind("Binding"), &corev1.Binding{})
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	b := obj.(*corev1.Binding)
	if b.Name != req.info.Name {
		writeError(req.w, req.r, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", b.Name, req.info.Name)))
		return
	}
	if b.Target.Kind != "" && b.Target.Kind != "Node" {
		writeError(req.w, req.r, apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Binding").GroupKind(), b.Name,
			fieldErr("target.kind", b.Target.Kind, "must be empty or 'Node'")))
		return
	}
	if b.Target.Name == "" {
		writeError(req.w, req.r, apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Binding").GroupKind(), b.Name,
			fieldRequired("target.name")))
		return
	}
	ctx, cancel := requestContext(req.r)
	defer cancel()
	_, _, err = req.store.Update(ctx, req.info.Namespace, req.info.Name, func(_ context.Context, old runtime.Object) (runtime.Object, error) {
		pod := old.(*corev1.Pod)
		if b.UID != "" && pod.UID != b.UID {
			return nil, apierrors.NewConflict(req.res.GroupResource(), pod.Name, fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", b.UID, pod.UID))
		}
		if pod.DeletionTimestamp != nil {
			return nil, apierrors.NewConflict(req.res.GroupResource(), pod.Name, fmt.Errorf("pod %s is being deleted, cannot be assigned to a host", pod.Name))
		}
		if pod.Spec.NodeName != "" {
			return nil, apierrors.NewConflict(req.res.GroupResource(), pod.Name, fmt.Errorf("pod %v is already assigned to node %q", pod.Name, pod.Spec.NodeName))
		}
		pod.Spec.NodeName = b.Target.Name
		for k, v := range b.Annotations {
			if pod.Annotations == nil {
				pod.Annotations = map[string]string{}
			}
			pod.Annotations[k] = v
		}
		setPodCondition(pod, corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(s.clock.Now().Truncate(1e9))})
		pod.ResourceVersion = ""
		return pod, nil
	}, registry.WriteOptions{DryRun: p.dryRun, FieldManager: p.manager, Subresource: registry.SubBinding})
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	st := &metav1.Status{Status: metav1.StatusSuccess, Code: http.StatusCreated}
	st.Kind, st.APIVersion = "Status", "v1"
	writeObject(req.w, http.StatusCreated, neg, st)
}

func setPodCondition(pod *corev1.Pod, c corev1.PodCondition) {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == c.Type {
			pod.Status.Conditions[i] = c
			return
		}
	}
	pod.Status.Conditions = append(pod.Status.Conditions, c)
}

// evict serves pods/eviction: delete a pod unless a PodDisruptionBudget
// forbids it.
func (s *Server) evict(req *request) {
	neg, err := negotiate(req.r, false)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	body, err := readBody(req.r)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	obj, _, err := decodeBody(req.r, body, policyv1.SchemeGroupVersion.WithKind("Eviction"), &policyv1.Eviction{})
	if err != nil {
		// Older clients send policy/v1beta1 Evictions; the shape is the same.
		writeError(req.w, req.r, err)
		return
	}
	ev := obj.(*policyv1.Eviction)
	if ev.Name != req.info.Name {
		writeError(req.w, req.r, apierrors.NewBadRequest(fmt.Sprintf("name in URL does not match name in Eviction object")))
		return
	}
	ctx, cancel := requestContext(req.r)
	defer cancel()
	dry, err := dryRun(req.r)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	opts := ev.DeleteOptions
	if opts == nil {
		opts = &metav1.DeleteOptions{}
	}
	dry = dry || len(opts.DryRun) > 0
	pod, conditional, err := s.evictions.Allow(ctx, req.info.Namespace, req.info.Name, dry)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	// A pod evicted without charging the budget (it is unhealthy) goes
	// only if it is still the version that was judged, unless the client
	// set its own preconditions.
	own := conditional && opts.Preconditions == nil
	if own {
		rv := pod.ResourceVersion
		opts.Preconditions = &metav1.Preconditions{ResourceVersion: &rv}
	}
	if !dry && pod.DeletionTimestamp == nil {
		rv, err := s.evictions.MarkDisruption(ctx, pod, own)
		if err != nil {
			writeError(req.w, req.r, err)
			return
		}
		if own {
			// The condition write moved the resourceVersion on.
			opts.Preconditions = &metav1.Preconditions{ResourceVersion: &rv}
		}
	}
	if _, _, err := req.store.Delete(ctx, req.info.Namespace, req.info.Name, opts, dry); err != nil {
		writeError(req.w, req.r, err)
		return
	}
	st := &metav1.Status{Status: metav1.StatusSuccess, Code: http.StatusCreated}
	st.Kind, st.APIVersion = "Status", "v1"
	writeObject(req.w, http.StatusCreated, neg, st)
}
