package integration

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/berth-dev/berth/internal/testutil"
)

func TestBadInput(t *testing.T) {
	srv := testutil.StartServer(t)
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	if _, err := c.CoreV1().ConfigMaps(ns).Create(ctx, configMap("existing", "k", "v"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rc := c.CoreV1().RESTClient()
	cmJSON := func(apiVersion, kind, name, namespace string) []byte {
		b, _ := json.Marshal(map[string]any{
			"apiVersion": apiVersion, "kind": kind,
			"metadata": map[string]any{"name": name, "namespace": namespace},
			"data":     map[string]string{"k": "changed"},
		})
		return b
	}
	huge := cmJSON("v1", "ConfigMap", "huge", "")
	huge = []byte(strings.Replace(string(huge), `"changed"`, `"`+strings.Repeat("x", 3*1024*1024+1)+`"`, 1))

	// state is every configmap in the namespace with its resourceVersion.
	state := func(t *testing.T) map[string]string {
		t.Helper()
		l, err := c.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, cm := range l.Items {
			out[cm.Name] = cm.ResourceVersion
		}
		return out
	}

	tests := []struct {
		name   string
		req    func() *rest.Request
		code   int32
		reason metav1.StatusReason
		msg    string
	}{
		{"body over 3 MiB", func() *rest.Request {
			return rc.Post().Namespace(ns).Resource("configmaps").Body(huge)
		}, 413, metav1.StatusReasonRequestEntityTooLarge, ""},
		{"malformed JSON", func() *rest.Request {
			return rc.Post().Namespace(ns).Resource("configmaps").Body([]byte(`{"apiVersion":"v1","kind":"ConfigMap",`))
		}, 400, metav1.StatusReasonBadRequest, ""},
		{"wrong kind for the URL", func() *rest.Request {
			return rc.Post().Namespace(ns).Resource("configmaps").Body([]byte(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"wrong-kind"}}`))
		}, 400, metav1.StatusReasonBadRequest, "Secret"},
		{"wrong apiVersion for the URL", func() *rest.Request {
			return rc.Post().Namespace(ns).Resource("configmaps").Body(cmJSON("apps/v1", "ConfigMap", "wrong-version", ""))
		}, 400, metav1.StatusReasonBadRequest, "apps/v1"},
		{"name mismatch on PUT", func() *rest.Request {
			return rc.Put().Namespace(ns).Resource("configmaps").Name("existing").Body(cmJSON("v1", "ConfigMap", "other", ""))
		}, 400, metav1.StatusReasonBadRequest, "does not match"},
		{"namespace mismatch", func() *rest.Request {
			return rc.Post().Namespace(ns).Resource("configmaps").Body(cmJSON("v1", "ConfigMap", "other-ns", "default"))
		}, 400, metav1.StatusReasonBadRequest, "namespace"},
		{"unknown resource", func() *rest.Request {
			return rc.Get().Namespace(ns).Resource("widgets")
		}, 404, metav1.StatusReasonNotFound, ""},
		{"unknown group version", func() *rest.Request {
			return rc.Get().AbsPath("/apis/example.com/v1/widgets")
		}, 404, metav1.StatusReasonNotFound, ""},
		{"POST to an item path", func() *rest.Request {
			return rc.Post().Namespace(ns).Resource("configmaps").Name("existing").Body(cmJSON("v1", "ConfigMap", "existing", ""))
		}, 405, metav1.StatusReasonMethodNotAllowed, ""},
		{"PUT to a collection", func() *rest.Request {
			return rc.Put().Namespace(ns).Resource("configmaps").Body(cmJSON("v1", "ConfigMap", "existing", ""))
		}, 405, metav1.StatusReasonMethodNotAllowed, ""},
		{"bad Content-Type", func() *rest.Request {
			return rc.Post().Namespace(ns).Resource("configmaps").Body(cmJSON("v1", "ConfigMap", "text", "")).SetHeader("Content-Type", "text/plain")
		}, 415, metav1.StatusReasonUnsupportedMediaType, ""},
		{"bad patch Content-Type", func() *rest.Request {
			return rc.Patch("application/xml").Namespace(ns).Resource("configmaps").Name("existing").Body([]byte(`{}`))
		}, 415, metav1.StatusReasonUnsupportedMediaType, ""},
		{"unknown subresource", func() *rest.Request {
			return rc.Get().Namespace(ns).Resource("configmaps").Name("existing").SubResource("status")
		}, 404, metav1.StatusReasonNotFound, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := state(t)
			err := tc.req().MaxRetries(0).Do(ctx).Error()
			st := wantStatus(t, err, tc.code, tc.reason)
			if !strings.Contains(st.Message, tc.msg) {
				t.Errorf("message = %q, want it to contain %q", st.Message, tc.msg)
			}
			if diff := cmp.Diff(before, state(t)); diff != "" {
				t.Errorf("state changed (-before +after):\n%s", diff)
			}
		})
	}

	t.Run("unauthenticated", func(t *testing.T) {
		before := state(t)
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		for _, r := range []struct{ method, path, body string }{
			{http.MethodGet, "/api/v1/namespaces/" + ns + "/configmaps", ""},
			{http.MethodPost, "/api/v1/namespaces/" + ns + "/configmaps", string(cmJSON("v1", "ConfigMap", "anon", ""))},
			{http.MethodDelete, "/api/v1/namespaces/" + ns + "/configmaps/existing", ""},
			{http.MethodGet, "/apis", ""},
		} {
			req, err := http.NewRequestWithContext(ctx, r.method, srv.URL+r.path, strings.NewReader(r.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var st metav1.Status
			if err := json.Unmarshal(body, &st); err != nil {
				t.Fatalf("%s %s: body %q is not a Status: %v", r.method, r.path, body, err)
			}
			if resp.StatusCode != 401 || st.Kind != "Status" || st.Code != 401 || st.Reason != metav1.StatusReasonUnauthorized {
				t.Errorf("%s %s: %d %+v, want 401 Unauthorized Status", r.method, r.path, resp.StatusCode, st)
			}
		}
		if diff := cmp.Diff(before, state(t)); diff != "" {
			t.Errorf("state changed (-before +after):\n%s", diff)
		}
		// Health endpoints stay public.
		resp, err := hc.Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("/readyz without credentials = %d, want 200", resp.StatusCode)
		}
	})
}
