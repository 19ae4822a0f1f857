package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/mergepatch"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/berth-dev/berth/internal/registry"
)

// maxJSONPatchOperations bounds a JSON patch, as upstream.
const maxJSONPatchOperations = 10000

func (s *Server) patch(req *request, sub string) {
	neg, p, patchBody, ok := readWrite(req, sub == "")
	if !ok {
		return
	}
	mt, _, _ := mime.ParseMediaType(req.r.Header.Get("Content-Type"))
	validation, err := fieldValidation(req.r)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	q := req.r.URL.Query()
	force := q.Get("force") == "true"
	if q.Has("force") && mt != mediaApplyPatchYAML {
		writeError(req.w, req.r, apierrors.NewBadRequest("force: Forbidden: may not be specified for non-apply patch"))
		return
	}
	var warnings []string
	var fn registry.UpdateFunc
	opts := registry.WriteOptions{Subresource: sub, DryRun: p.dryRun, FieldManager: p.manager}
	switch mt {
	case mediaJSONPatch, mediaMergePatch, mediaStrategicPatch:
		fn = func(_ context.Context, old runtime.Object) (runtime.Object, error) {
			obj, w, err := s.applyPatch(req, mt, patchBody, old, validation)
			warnings = w
			return obj, err
		}
	case mediaApplyPatchYAML:
		if q.Get("fieldManager") == "" {
			writeError(req.w, req.r, apierrors.NewBadRequest("PATCH requests of type apply must have fieldManager set"))
			return
		}
		fm := req.store.FieldManager(sub)
		if fm == nil || req.res.Converts() {
			writeError(req.w, req.r, apierrors.NewBadRequest("server-side apply is not supported for this resource"))
			return
		}
		applied, err := decodeApply(req, patchBody)
		if err != nil {
			writeError(req.w, req.r, err)
			return
		}
		opts.ManagedFieldsDone = true
		opts.CreateOnMissing = sub == ""
		fn = func(_ context.Context, old runtime.Object) (runtime.Object, error) {
			live := old
			if live == nil {
				live = req.res.New()
				live.GetObjectKind().SetGroupVersionKind(req.res.GVK())
			}
			out, err := fm.Apply(live, applied.DeepCopyObject(), p.manager, force)
			if err != nil {
				if _, ok := err.(apierrors.APIStatus); ok {
					return nil, err
				}
				return nil, apierrors.NewBadRequest(err.Error())
			}
			if old == nil {
				m, _ := meta.Accessor(out)
				if m.GetNamespace() == "" && req.res.Namespaced {
					m.SetNamespace(req.info.Namespace)
				}
			}
			return out, nil
		}
	default:
		writeError(req.w, req.r, statusError(http.StatusUnsupportedMediaType, metav1.StatusReasonUnsupportedMediaType,
			fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s, %s, %s, %s",
				mediaJSONPatch, mediaMergePatch, mediaApplyPatchYAML, mediaStrategicPatch)))
		return
	}
	ctx, cancel := requestContext(req.r)
	defer cancel()
	out, created, err := req.store.Update(ctx, req.info.Namespace, req.info.Name, fn, opts)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	addWarnings(req.w, warnings)
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	s.respond(req, neg, code, out)
}

// applyPatch applies a JSON, merge or strategic-merge patch to old.
func (s *Server) applyPatch(req *request, mt string, patch []byte, old runtime.Object, validation string) (runtime.Object, []string, error) {
	old, err := req.fromStorage(old)
	if err != nil {
		return nil, nil, err
	}
	oldJSON, err := json.Marshal(old)
	if err != nil {
		return nil, nil, apierrors.NewInternalError(err)
	}
	var patched []byte
	switch mt {
	case mediaJSONPatch:
		ops, err := jsonpatch.DecodePatch(patch)
		if err != nil {
			return nil, nil, apierrors.NewBadRequest(err.Error())
		}
		if len(ops) > maxJSONPatchOperations {
			return nil, nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("The allowed maximum operations in a JSON patch is %d, got %d", maxJSONPatchOperations, len(ops)))
		}
		patched, err = applyJSONPatch(ops, oldJSON)
		if err != nil {
			return nil, nil, jsonPatchError(err)
		}
	case mediaMergePatch:
		patched, err = jsonpatch.MergePatch(oldJSON, patch)
		if err != nil {
			return nil, nil, apierrors.NewBadRequest(err.Error())
		}
	case mediaStrategicPatch:
		var pm map[string]any
		if err := json.Unmarshal(patch, &pm); err != nil {
			return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("error decoding patch: %v", err))
		}
		patched, err = strategicpatch.StrategicMergePatch(oldJSON, patch, req.res.New())
		if err != nil {
			return nil, nil, strategicPatchError(err)
		}
	}
	r := req.r.Clone(req.r.Context())
	r.Header.Set("Content-Type", mediaJSON)
	q := r.URL.Query()
	q.Set("fieldValidation", validation)
	r.URL.RawQuery = q.Encode()
	obj, warnings, err := decodeBody(r, patched, req.res.GVK(), req.res.New())
	if err != nil {
		// As upstream: a patched object that does not decode (or has
		// unknown fields under Strict) makes the patch invalid.
		if apierrors.IsBadRequest(err) {
			return nil, nil, apierrors.NewInvalid(schema.GroupKind{}, "", field.ErrorList{
				field.Invalid(field.NewPath("patch"), string(patched), err.Error()),
			})
		}
		return nil, nil, err
	}
	// A resourceVersion carried over from old is not a precondition; one the
	// patch set is.
	m, _ := meta.Accessor(obj)
	om, _ := meta.Accessor(old)
	if m.GetResourceVersion() == om.GetResourceVersion() && !patchSetsResourceVersion(patch) {
		m.SetResourceVersion("")
	}
	obj, err = req.toStorage(obj)
	return obj, warnings, err
}

func patchSetsResourceVersion(patch []byte) bool {
	return strings.Contains(string(patch), `"resourceVersion"`)
}

// jsonPatchError reports a JSON patch that does not apply as upstream does:
// 422 naming no resource, which kubectl prints as "The request is invalid:
// the server rejected our request due to an error in our request".
func jsonPatchError(err error) error {
	return apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "", schema.GroupResource{}, "", err.Error(), 0, false)
}

// strategicPatchError maps strategic merge patch errors as upstream's
// interpretStrategicMergePatchError does, but never to a 5xx.
func strategicPatchError(err error) error {
	switch err {
	case mergepatch.ErrBadJSONDoc, mergepatch.ErrBadPatchFormatForPrimitiveList, mergepatch.ErrBadPatchFormatForRetainKeys,
		mergepatch.ErrBadPatchFormatForSetElementOrderList, mergepatch.ErrUnsupportedStrategicMergePatchFormat:
		return apierrors.NewBadRequest(err.Error())
	default:
		// Upstream answers ErrNoListOfLists and
		// ErrPatchContentNotMatchRetainKeys so and anything else with a 500;
		// a patch that does not fit the object is the client's error.
		return jsonPatchError(err)
	}
}

// decodeApply decodes an apply patch (YAML or JSON) into an unstructured
// object and checks it names the right kind and object.
func decodeApply(req *request, body []byte) (*unstructured.Unstructured, error) {
	js, err := yaml.YAMLToJSON(body)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("error decoding YAML: %v", err))
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(js); err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if gv := req.res.GroupVersion().String(); u.GetAPIVersion() != gv {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("Incorrect version specified in apply patch. Specified patch version: %s, expected: %s", u.GetAPIVersion(), gv))
	}
	if u.GetKind() != req.res.Kind {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the kind in the data (%s) does not match the expected kind (%s)", u.GetKind(), req.res.Kind))
	}
	if u.GetName() != req.info.Name {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", u.GetName(), req.info.Name))
	}
	if ns := u.GetNamespace(); req.res.Namespaced && ns != "" && ns != req.info.Namespace {
		return nil, apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	if len(u.GetManagedFields()) > 0 {
		return nil, apierrors.NewBadRequest("metadata.managedFields must be nil")
	}
	return u, nil
}

// applyJSONPatch applies ops, turning a panic of the patch library on a
// malformed operation into an error.
func applyJSONPatch(ops jsonpatch.Patch, doc []byte) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("invalid JSON patch operation: %v", r)
		}
	}()
	return ops.Apply(doc)
}
