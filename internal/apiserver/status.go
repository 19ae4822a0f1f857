package apiserver

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// statusError builds an API error with an arbitrary code and reason.
func statusError(code int32, reason metav1.StatusReason, msg string) *apierrors.StatusError {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: code, Reason: reason, Message: msg,
	}}
}

// toStatus is the one place where errors become metav1.Status.
func toStatus(err error) *metav1.Status {
	var api apierrors.APIStatus
	if errors.As(err, &api) {
		st := api.Status()
		st.Kind, st.APIVersion = "Status", "v1"
		if st.Status == "" {
			st.Status = metav1.StatusFailure
		}
		return &st
	}
	st := apierrors.NewInternalError(err).Status()
	st.Kind, st.APIVersion = "Status", "v1"
	return &st
}

// writeError answers with err as a metav1.Status in the client's format.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	st := toStatus(err)
	if rec, ok := w.(*statusRecorder); ok && st.Code >= 500 {
		rec.err = err // logged by the server with its logger
	}
	neg, nerr := negotiate(r, false)
	if nerr != nil {
		neg = negotiated{codec: codecJSON}
	}
	code := int(st.Code)
	if code == 0 {
		code = http.StatusInternalServerError
	}
	if st.Details != nil && st.Details.RetryAfterSeconds > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(st.Details.RetryAfterSeconds)))
	}
	writeObject(w, code, neg, st)
}

// writeObject encodes obj with the negotiated codec.
func writeObject(w http.ResponseWriter, code int, neg negotiated, obj runtime.Object) {
	var buf bytes.Buffer
	enc := neg.codec.encoder
	if neg.pretty && neg.codec == codecJSON {
		enc = jsonPretty
	}
	if err := enc.Encode(obj, &buf); err != nil {
		if rec, ok := w.(*statusRecorder); ok {
			rec.err = err
		}
		http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", neg.codec.mediaType)
	}
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}
