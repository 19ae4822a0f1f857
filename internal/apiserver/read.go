package apiserver

import (
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/berth-dev/berth/internal/api"
)

// requestTimeout bounds ordinary (non-watch) requests, as upstream's
// default --request-timeout.
const requestTimeout = 60 * time.Second

func (s *Server) get(req *request) {
	neg, err := negotiate(req.r, req.info.Subresource == "")
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	var opts metav1.GetOptions
	if err := api.ParameterCodec.DecodeParameters(req.r.URL.Query(), paramsGV, &opts); err != nil {
		writeError(req.w, req.r, apierrors.NewBadRequest(err.Error()))
		return
	}
	ctx, cancel := requestContext(req.r)
	defer cancel()
	obj, err := req.store.Get(ctx, req.info.Namespace, req.info.Name, &opts)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	s.respond(req, neg, http.StatusOK, obj)
}

func (s *Server) list(req *request) {
	neg, err := negotiate(req.r, true)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	opts, err := listOptions(req.r)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	ctx, cancel := requestContext(req.r)
	defer cancel()
	list, err := req.store.List(ctx, req.info.Namespace, opts)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	s.respond(req, neg, http.StatusOK, list)
}

func listOptions(r *http.Request) (*metav1.ListOptions, error) {
	var opts metav1.ListOptions
	if err := api.ParameterCodec.DecodeParameters(r.URL.Query(), paramsGV, &opts); err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if opts.Limit < 0 {
		opts.Limit = 0
	}
	return &opts, nil
}

// respond writes obj (an object or list) in the negotiated shape.
func (s *Server) respond(req *request, neg negotiated, code int, obj runtime.Object) {
	switch neg.output {
	case outTable:
		t, err := s.toTable(req, obj, true)
		if err != nil {
			writeError(req.w, req.r, err)
			return
		}
		writeTransformed(req.w, code, neg, "Table", t)
	case outPartial:
		p, err := toPartial(obj, neg.metaVersion)
		if err != nil {
			writeError(req.w, req.r, err)
			return
		}
		writeTransformed(req.w, code, neg, "PartialObjectMetadata", p)
	default:
		out, err := req.fromStorage(obj)
		if err != nil {
			writeError(req.w, req.r, err)
			return
		}
		writeObject(req.w, code, neg, out)
	}
}

// writeTransformed writes a meta.k8s.io object and labels the content type
// with the transformation, as clients expect.
func writeTransformed(w http.ResponseWriter, code int, neg negotiated, as string, obj runtime.Object) {
	w.Header().Set("Content-Type", neg.codec.mediaType+";as="+as+";v="+neg.metaVersion+";g=meta.k8s.io")
	writeObject(w, code, neg, obj)
}
