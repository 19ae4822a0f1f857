package apiserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-dev/berth/internal/registry"
)

// maxBodyBytes is upstream's request body limit (3 MiB).
const maxBodyBytes = 3 * 1024 * 1024

// request is one resource request in flight.
type request struct {
	info  requestInfo
	res   *registry.Resource
	store *registry.Store
	w     http.ResponseWriter
	r     *http.Request
}

// serveResource routes /api/... and /apis/... requests for resources.
func (s *Server) serveResource(w http.ResponseWriter, r *http.Request, info requestInfo) {
	gv := schema.GroupVersion{Group: info.Group, Version: info.Version}
	store := s.stores[gv][info.Resource]
	if store == nil {
		writeError(w, r, apierrors.NewNotFound(schema.GroupResource{Group: info.Group, Resource: info.Resource}, ""))
		return
	}
	res := s.served[gv][info.Resource]
	req := &request{info: info, res: res, store: store, w: w, r: r}
	if !res.Namespaced && info.Namespace != "" {
		writeError(w, r, apierrors.NewNotFound(res.GroupResource(), info.Name))
		return
	}
	if info.Subresource != "" {
		s.serveSubresource(req)
		return
	}
	if !res.AllowsVerb(info.Verb) {
		writeError(w, r, methodNotAllowed())
		return
	}
	switch info.Verb {
	case "get":
		s.get(req)
	case "list":
		s.list(req)
	case "watch":
		s.watch(req)
	case "create":
		if info.Name != "" {
			writeError(w, r, methodNotAllowed())
			return
		}
		s.create(req)
	case "update":
		if info.Name == "" {
			writeError(w, r, methodNotAllowed())
			return
		}
		s.update(req, "")
	case "patch":
		if info.Name == "" {
			writeError(w, r, methodNotAllowed())
			return
		}
		s.patch(req, "")
	case "delete":
		s.delete(req)
	case "deletecollection":
		s.deleteCollection(req)
	default:
		writeError(w, r, methodNotAllowed())
	}
}

// methodNotAllowed answers a verb the resource does not serve.
func methodNotAllowed() error {
	return statusError(http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed,
		"the server does not allow this method on the requested resource")
}

// serveSubresource handles status, scale, binding, eviction and finalize.
func (s *Server) serveSubresource(req *request) {
	sub := req.info.Subresource
	if req.info.Name == "" || !req.res.HasSubresource(sub) {
		writeError(req.w, req.r, apierrors.NewNotFound(req.res.GroupResource(), req.info.Name))
		return
	}
	verb := req.info.Verb
	switch sub {
	case registry.SubStatus:
		switch verb {
		case "get":
			s.get(req)
		case "update":
			s.update(req, sub)
		case "patch":
			s.patch(req, sub)
		default:
			writeError(req.w, req.r, methodNotAllowed())
		}
	case registry.SubFinalize:
		if verb != "update" {
			writeError(req.w, req.r, methodNotAllowed())
			return
		}
		s.update(req, sub)
	case registry.SubScale:
		s.scale(req)
	case registry.SubBinding:
		if verb != "create" {
			writeError(req.w, req.r, methodNotAllowed())
			return
		}
		s.bind(req)
	case registry.SubEviction:
		if verb != "create" {
			writeError(req.w, req.r, methodNotAllowed())
			return
		}
		s.evict(req)
	default:
		writeError(req.w, req.r, apierrors.NewNotFound(req.res.GroupResource(), req.info.Name))
	}
}

// readBody reads the request body within the size limit.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d", maxBodyBytes))
		}
		return nil, apierrors.NewBadRequest(fmt.Sprintf("unable to read request body: %v", err))
	}
	return body, nil
}

// decodeBody decodes a request body into a new object of kind gvk,
// honouring fieldValidation. It returns warnings for fieldValidation=Warn.
func decodeBody(r *http.Request, body []byte, gvk schema.GroupVersionKind, into runtime.Object) (runtime.Object, []string, error) {
	c, ok := bodyCodec(r.Header.Get("Content-Type"))
	if !ok {
		return nil, nil, statusError(http.StatusUnsupportedMediaType, metav1.StatusReasonUnsupportedMediaType,
			fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s, %s, %s", mediaJSON, mediaYAML, mediaProtobuf))
	}
	validation, err := fieldValidation(r)
	if err != nil {
		return nil, nil, err
	}
	dec := c.decoder
	if validation != metav1.FieldValidationIgnore {
		dec = c.strict
	}
	obj, got, err := dec.Decode(body, &gvk, into)
	var warnings []string
	if err != nil {
		if strictErr, ok := runtime.AsStrictDecodingError(err); ok && obj != nil {
			switch validation {
			case metav1.FieldValidationStrict:
				return nil, nil, apierrors.NewBadRequest(err.Error())
			case metav1.FieldValidationWarn:
				for _, e := range strictErr.Errors() {
					warnings = append(warnings, e.Error())
				}
			}
		} else {
			return nil, nil, apierrors.NewBadRequest(err.Error())
		}
	}
	if got != nil && (got.GroupVersion() != gvk.GroupVersion() || got.Kind != gvk.Kind) {
		if got.GroupVersion() != gvk.GroupVersion() {
			return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)", got.GroupVersion(), gvk.GroupVersion()))
		}
		return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("the kind in the data (%s) does not match the expected kind (%s)", got.Kind, gvk.Kind))
	}
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	return obj, warnings, nil
}

// fieldValidation reads the fieldValidation query parameter (default Warn).
func fieldValidation(r *http.Request) (string, error) {
	v := r.URL.Query().Get("fieldValidation")
	switch v {
	case "":
		return metav1.FieldValidationWarn, nil
	case metav1.FieldValidationIgnore, metav1.FieldValidationWarn, metav1.FieldValidationStrict:
		return v, nil
	}
	return "", apierrors.NewBadRequest(fmt.Sprintf("fieldValidation parameter unsupported: %v", v))
}

// addWarnings sets Warning headers the way upstream does.
func addWarnings(w http.ResponseWriter, warnings []string) {
	for _, msg := range warnings {
		w.Header().Add("Warning", fmt.Sprintf("299 - %q", msg))
	}
}

// checkNamespace makes obj's namespace agree with the URL's.
func checkNamespace(req *request, obj runtime.Object) error {
	m, err := meta.Accessor(obj)
	if err != nil {
		return apierrors.NewBadRequest(err.Error())
	}
	if !req.res.Namespaced {
		if m.GetNamespace() != "" {
			m.SetNamespace("")
		}
		return nil
	}
	switch ns := m.GetNamespace(); {
	case ns == "":
		m.SetNamespace(req.info.Namespace)
	case ns != req.info.Namespace:
		return apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	return nil
}

// dryRun reads the dryRun parameter: only "All" is valid.
func dryRun(r *http.Request) (bool, error) {
	vals := r.URL.Query()["dryRun"]
	for _, v := range vals {
		if v != metav1.DryRunAll {
			return false, apierrors.NewBadRequest(fmt.Sprintf("Invalid dryRun value: %q, supported values are: [%q]", v, metav1.DryRunAll))
		}
	}
	return len(vals) > 0, nil
}

// fieldManager is the manager named by the request, or one derived from the
// user agent as upstream does.
func fieldManager(r *http.Request) (string, error) {
	if m := r.URL.Query().Get("fieldManager"); m != "" {
		if len(m) > 128 {
			return "", apierrors.NewBadRequest(fmt.Sprintf("fieldManager: Too long: may not be longer than 128"))
		}
		return m, nil
	}
	ua := r.Header.Get("User-Agent")
	if i := strings.Index(ua, "/"); i >= 0 {
		ua = ua[:i]
	}
	if len(ua) > 128 {
		ua = ua[:128]
	}
	return ua, nil
}

// requestContext bounds a non-watch request.
func requestContext(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), requestTimeout)
}
