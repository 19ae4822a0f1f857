package apiserver

import (
	"context"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/registry"
)

// writeParams are the query parameters every write takes.
type writeParams struct {
	dryRun  bool
	manager string
}

func readWriteParams(r *http.Request) (writeParams, error) {
	dry, err := dryRun(r)
	if err != nil {
		return writeParams{}, err
	}
	mgr, err := fieldManager(r)
	if err != nil {
		return writeParams{}, err
	}
	return writeParams{dryRun: dry, manager: mgr}, nil
}

// readWrite negotiates the response format and reads a write's parameters
// and body. On failure it has answered the client and ok is false.
func readWrite(req *request, transforms bool) (neg negotiated, p writeParams, body []byte, ok bool) {
	var err error
	if neg, err = negotiate(req.r, transforms); err == nil {
		if p, err = readWriteParams(req.r); err == nil {
			body, err = readBody(req.r)
		}
	}
	if err != nil {
		writeError(req.w, req.r, err)
		return negotiated{}, writeParams{}, nil, false
	}
	return neg, p, body, true
}

// decodeObject decodes a create or update body of the request's kind, puts
// it in the URL's namespace and converts it to the stored version.
func decodeObject(req *request, body []byte) (runtime.Object, []string, error) {
	obj, warnings, err := decodeBody(req.r, body, req.res.GVK(), req.res.New())
	if err != nil {
		return nil, nil, err
	}
	if err := checkNamespace(req, obj); err != nil {
		return nil, nil, err
	}
	if req.info.Verb == "update" {
		if m, _ := meta.Accessor(obj); m.GetName() != req.info.Name {
			return nil, nil, apierrors.NewBadRequest("the name of the object (" + m.GetName() + ") does not match the name on the URL (" + req.info.Name + ")")
		}
	}
	if v := req.res.ValidateCreate; v != nil && req.info.Verb == "create" {
		if errs := v(obj); len(errs) > 0 {
			m, _ := meta.Accessor(obj)
			return nil, nil, apierrors.NewInvalid(req.res.GVK().GroupKind(), m.GetName(), errs)
		}
	}
	obj, err = req.toStorage(obj)
	return obj, warnings, err
}

func (s *Server) create(req *request) {
	neg, p, body, ok := readWrite(req, true)
	if !ok {
		return
	}
	obj, warnings, err := decodeObject(req, body)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	ctx, cancel := requestContext(req.r)
	defer cancel()
	out, err := req.store.Create(ctx, obj, registry.WriteOptions{DryRun: p.dryRun, FieldManager: p.manager})
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	addWarnings(req.w, warnings)
	s.respond(req, neg, http.StatusCreated, out)
}

// update serves PUT on an object or its status/finalize subresource.
func (s *Server) update(req *request, sub string) {
	neg, p, body, ok := readWrite(req, sub == "")
	if !ok {
		return
	}
	obj, warnings, err := decodeObject(req, body)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	ctx, cancel := requestContext(req.r)
	defer cancel()
	out, created, err := req.store.Update(ctx, req.info.Namespace, req.info.Name,
		func(context.Context, runtime.Object) (runtime.Object, error) { return obj.DeepCopyObject(), nil },
		registry.WriteOptions{Subresource: sub, DryRun: p.dryRun, FieldManager: p.manager,
			CreateOnMissing: req.res.AllowCreateOnUpdate && sub == ""})
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

func (s *Server) delete(req *request) {
	neg, err := negotiate(req.r, true)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	opts, dry, err := deleteOptions(req.r)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	ctx, cancel := requestContext(req.r)
	defer cancel()
	obj, deleted, err := req.store.Delete(ctx, req.info.Namespace, req.info.Name, opts, dry)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	if !req.res.ReturnDeletedObject && deleted {
		st := &metav1.Status{Status: metav1.StatusSuccess, Details: &metav1.StatusDetails{
			Name: req.info.Name, Group: req.res.Group, Kind: req.res.Resource, UID: registry.UIDOf(obj)}}
		st.Kind, st.APIVersion = "Status", "v1"
		writeObject(req.w, http.StatusOK, neg, st)
		return
	}
	s.respond(req, neg, http.StatusOK, obj)
}

func (s *Server) deleteCollection(req *request) {
	neg, err := negotiate(req.r, true)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	opts, dry, err := deleteOptions(req.r)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	lo, err := listOptions(req.r)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	ctx, cancel := requestContext(req.r)
	defer cancel()
	list, err := req.store.DeleteCollection(ctx, req.info.Namespace, lo, opts, dry)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	s.respond(req, neg, http.StatusOK, list)
}

// deleteOptions reads DeleteOptions from the body (if any) and the query.
func deleteOptions(r *http.Request) (*metav1.DeleteOptions, bool, error) {
	opts := &metav1.DeleteOptions{}
	body, err := readBody(r)
	if err != nil {
		return nil, false, err
	}
	if len(body) > 0 {
		if _, _, err := decodeOptions(r, body, opts); err != nil {
			return nil, false, err
		}
	} else if err := api.ParameterCodec.DecodeParameters(r.URL.Query(), paramsGV, opts); err != nil {
		return nil, false, apierrors.NewBadRequest(err.Error())
	}
	dry, err := dryRun(r)
	if err != nil {
		return nil, false, err
	}
	for _, v := range opts.DryRun {
		if v != metav1.DryRunAll {
			return nil, false, apierrors.NewBadRequest("Invalid dryRun value: " + v)
		}
		dry = true
	}
	return opts, dry, nil
}

// decodeOptions decodes an options body (DeleteOptions), which clients send
// with or without apiVersion/kind.
func decodeOptions(r *http.Request, body []byte, into runtime.Object) (runtime.Object, []string, error) {
	c, ok := bodyCodec(r.Header.Get("Content-Type"))
	if !ok {
		c = codecJSON
	}
	gvk := metav1.SchemeGroupVersion.WithKind("DeleteOptions")
	obj, _, err := c.decoder.Decode(body, &gvk, into)
	if err != nil {
		return nil, nil, apierrors.NewBadRequest(err.Error())
	}
	return obj, nil, nil
}
