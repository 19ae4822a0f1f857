package pki

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/berth-dev/berth/internal/apiserver/authn"
)

func TestWriteKubeconfigRoundTrip(t *testing.T) {
	tests := []struct {
		name        string
		spec        KubeconfigSpec
		wantCluster string
		wantUser    string
		wantContext string
	}{
		{
			name:        "defaults with certificate",
			spec:        KubeconfigSpec{Server: "https://127.0.0.1:6443", CAPEM: []byte("ca"), CertPEM: []byte("cert"), KeyPEM: []byte("key")},
			wantCluster: "berth", wantUser: "berth-admin", wantContext: "berth",
		},
		{
			name:        "named with token",
			spec:        KubeconfigSpec{Server: "https://api:6443", CAPEM: []byte("ca"), Token: "t0k", ClusterName: "c", UserName: "u", ContextName: "x"},
			wantCluster: "c", wantUser: "u", wantContext: "x",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sub", "kubeconfig")
			if err := WriteKubeconfig(path, tt.spec); err != nil {
				t.Fatalf("WriteKubeconfig: %v", err)
			}
			assertMode(t, path, 0o600)
			cfg, err := clientcmd.LoadFromFile(path)
			if err != nil {
				t.Fatalf("LoadFromFile: %v", err)
			}
			if cfg.CurrentContext != tt.wantContext {
				t.Errorf("current context = %q, want %q", cfg.CurrentContext, tt.wantContext)
			}
			ctx := cfg.Contexts[tt.wantContext]
			if ctx == nil {
				t.Fatalf("context %q missing; have %v", tt.wantContext, cfg.Contexts)
			}
			if ctx.Cluster != tt.wantCluster || ctx.AuthInfo != tt.wantUser {
				t.Errorf("context = cluster %q user %q, want %q %q", ctx.Cluster, ctx.AuthInfo, tt.wantCluster, tt.wantUser)
			}
			type cluster struct{ Server, CA string }
			if diff := cmp.Diff(cluster{tt.spec.Server, string(tt.spec.CAPEM)},
				cluster{cfg.Clusters[tt.wantCluster].Server, string(cfg.Clusters[tt.wantCluster].CertificateAuthorityData)}); diff != "" {
				t.Errorf("cluster (-want +got):\n%s", diff)
			}
			type user struct{ Cert, Key, Token string }
			a := cfg.AuthInfos[tt.wantUser]
			if diff := cmp.Diff(user{string(tt.spec.CertPEM), string(tt.spec.KeyPEM), tt.spec.Token},
				user{string(a.ClientCertificateData), string(a.ClientKeyData), a.Token}); diff != "" {
				t.Errorf("user (-want +got):\n%s", diff)
			}
		})
	}

	for name, spec := range map[string]KubeconfigSpec{
		"no server":        {CAPEM: []byte("ca")},
		"cert without key": {Server: "https://x", CertPEM: []byte("cert")},
	} {
		if err := WriteKubeconfig(filepath.Join(t.TempDir(), "k"), spec); err == nil {
			t.Errorf("WriteKubeconfig(%s): want error", name)
		}
	}
}

// whoami answers with the authenticated user, as the API server will.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	u, _ := authn.UserFrom(r.Context())
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(u)
})

// TestKubeconfigTLS serves with the generated serving certificate, requires
// client certificates from the generated CA, and connects with a client
// built by clientcmd (and, if installed, kubectl) from the admin kubeconfig.
func TestKubeconfigTLS(t *testing.T) {
	p := mustEnsure(t, t.TempDir(), testOptions())

	srv := httptest.NewUnstartedServer(authn.Middleware(authn.NewX509(p.ClientCAPool), whoami, nil))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{p.ServingCert},
		ClientCAs:    p.ClientCAPool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	}
	// The handshake the test provokes to fail would otherwise be logged.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)

	path := filepath.Join(t.TempDir(), "admin.kubeconfig")
	if err := WriteKubeconfig(path, KubeconfigSpec{
		Server:  srv.URL,
		CAPEM:   p.CA.CertPEM,
		CertPEM: p.AdminCertPEM,
		KeyPEM:  p.AdminKeyPEM,
	}); err != nil {
		t.Fatal(err)
	}
	want := &authn.User{Name: AdminUser, Groups: []string{AdminGroup, authn.GroupAuthenticated}}

	t.Run("client-go", func(t *testing.T) {
		restCfg, err := clientcmd.BuildConfigFromFlags("", path)
		if err != nil {
			t.Fatalf("BuildConfigFromFlags: %v", err)
		}
		client, err := rest.HTTPClientFor(restCfg)
		if err != nil {
			t.Fatalf("HTTPClientFor: %v", err)
		}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/whoami", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET: %v", err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		got := &authn.User{}
		if err := json.Unmarshal(body, got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("user (-want +got):\n%s", diff)
		}
	})

	t.Run("without client certificate", func(t *testing.T) {
		cfg, err := clientcmd.LoadFromFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cfg.AuthInfos[DefaultKubeconfigUser] = clientcmdapi.NewAuthInfo()
		restCfg, err := clientcmd.NewDefaultClientConfig(*cfg, nil).ClientConfig()
		if err != nil {
			t.Fatal(err)
		}
		client, err := rest.HTTPClientFor(restCfg)
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/whoami", nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			t.Fatalf("GET without client certificate: status %d, want handshake failure", resp.StatusCode)
		}
	})

	t.Run("kubectl", func(t *testing.T) {
		kubectl, err := exec.LookPath("kubectl")
		if err != nil {
			t.Skip("kubectl not installed")
		}
		out, err := exec.CommandContext(t.Context(), kubectl, "--kubeconfig", path, "get", "--raw", "/whoami").CombinedOutput()
		if err != nil {
			t.Fatalf("kubectl: %v\n%s", err, out)
		}
		got := &authn.User{}
		if err := json.Unmarshal(out, got); err != nil {
			t.Fatalf("decode %q: %v", out, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("user (-want +got):\n%s", diff)
		}
	})
}
