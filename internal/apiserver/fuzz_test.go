package apiserver

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/berth-dev/berth/internal/registry"
)

func podResource(t testing.TB) *registry.Resource {
	for _, r := range registry.Resources() {
		if r.Group == "" && r.Resource == "pods" {
			return r
		}
	}
	t.Fatal("pods missing from the resource table")
	return nil
}

// clientError reports whether err is an API error a client caused (4xx).
func clientError(err error) bool {
	var st apierrors.APIStatus
	if !errors.As(err, &st) {
		return false
	}
	code := st.Status().Code
	return code >= 400 && code < 500
}

// FuzzDecodeBody: any body in any supported content type either decodes to
// a Pod or is refused with a 4xx Status; the decoder never panics.
func FuzzDecodeBody(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}]}}`), uint8(0))
	f.Add([]byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"), uint8(1))
	f.Add([]byte("k8s\x00\n\x0b\n\x02v1\x12\x03Pod"), uint8(2))
	f.Add([]byte(`{"apiVersion":"apps/v1","kind":"Deployment"}`), uint8(0))
	f.Add([]byte(`{"metadata":{"name":"p","name":"q"}}`), uint8(0))
	types := []string{mediaJSON, mediaYAML, mediaProtobuf, "text/plain"}
	f.Fuzz(func(t *testing.T, body []byte, ct uint8) {
		res := podResource(t)
		r := httptest.NewRequest(http.MethodPost, "/api/v1/namespaces/default/pods?fieldValidation=Strict", bytes.NewReader(body))
		r.Header.Set("Content-Type", types[int(ct)%len(types)])
		obj, _, err := decodeBody(r, body, res.GVK(), res.New())
		if err != nil {
			if !clientError(err) {
				t.Fatalf("decode error is not a 4xx API error: %v", err)
			}
			return
		}
		if _, ok := obj.(*corev1.Pod); !ok {
			t.Fatalf("decoded %T, want *corev1.Pod", obj)
		}
		if gvk := obj.GetObjectKind().GroupVersionKind(); gvk != res.GVK() {
			t.Fatalf("decoded kind %v, want %v", gvk, res.GVK())
		}
	})
}

// FuzzPatch: any patch of any type applied to a stored pod yields a Pod or
// a 4xx Status, never a panic or a 5xx.
func FuzzPatch(f *testing.F) {
	f.Add([]byte(`{"metadata":{"labels":{"a":"b"}}}`), uint8(0))
	f.Add([]byte(`[{"op":"replace","path":"/spec/containers/0/image","value":"x"}]`), uint8(1))
	f.Add([]byte(`{"spec":{"containers":[{"name":"c","image":"y"}]}}`), uint8(2))
	f.Add([]byte(`{"spec":{"containers":[{"$patch":"delete","name":"c"}]}}`), uint8(2))
	f.Add([]byte(`[{"op":"move","from":"/spec","path":"/spec/x"}]`), uint8(1))
	f.Add([]byte(`{"$setElementOrder/containers":[{"name":"c"}]}`), uint8(2))
	types := []string{mediaMergePatch, mediaJSONPatch, mediaStrategicPatch}
	f.Fuzz(func(t *testing.T, patch []byte, pt uint8) {
		res := podResource(t)
		old := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default", ResourceVersion: "5"},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}}}
		old.APIVersion, old.Kind = "v1", "Pod"
		r := httptest.NewRequest(http.MethodPatch, "/api/v1/namespaces/default/pods/p", bytes.NewReader(patch))
		req := &request{info: requestInfo{Verb: "patch", Version: "v1", Namespace: "default", Resource: "pods", Name: "p"}, res: res, r: r}
		s := &Server{}
		obj, _, err := s.applyPatch(req, types[int(pt)%len(types)], patch, runtime.Object(old), metav1.FieldValidationStrict)
		if err != nil {
			if !clientError(err) {
				t.Fatalf("patch error is not a 4xx API error: %v", err)
			}
			return
		}
		if _, ok := obj.(*corev1.Pod); !ok {
			t.Fatalf("patched %T, want *corev1.Pod", obj)
		}
	})
}

// FuzzResourcePath: URL parsing never panics and never yields a request
// with an empty resource.
func FuzzResourcePath(f *testing.F) {
	for _, p := range []string{"/api/v1/pods", "/api/v1/namespaces/x/pods/p/status", "/apis/apps/v1/watch/deployments",
		"/api/v1/namespaces/x", "/api/v1/namespaces/x/finalize", "/apis/a", "/api//v1///"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, path string) {
		r, err := http.NewRequest(http.MethodGet, "https://h", nil)
		if err != nil {
			return
		}
		r.URL.Path = path
		info, ok := parseResourcePath(r)
		if ok && info.Resource == "" {
			t.Fatalf("path %q parsed to an empty resource: %+v", path, info)
		}
	})
}
