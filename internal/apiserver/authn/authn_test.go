package authn

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/pki"
)

// issue returns a parsed certificate issued by ca for req.
func issue(t *testing.T, ca *pki.CA, req pki.CertRequest) *x509.Certificate {
	t.Helper()
	certPEM, _, err := ca.Issue(req)
	if err != nil {
		t.Fatalf("issue %q: %v", req.CommonName, err)
	}
	certs, err := pki.ParseCertsPEM(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	return certs[0]
}

func newCA(t *testing.T, name string) *pki.CA {
	t.Helper()
	ca, err := pki.NewCA(name, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// requestWithCerts builds a request as the TLS server would hand it over.
func requestWithCerts(certs ...*x509.Certificate) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "https://berth.test/api", nil)
	if certs != nil {
		r.TLS = &tls.ConnectionState{PeerCertificates: certs}
	}
	return r
}

func requestWithAuth(header string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "https://berth.test/api", nil)
	if header != "" {
		r.Header.Set("Authorization", header)
	}
	return r
}

func TestX509(t *testing.T) {
	ca := newCA(t, "test-ca")
	other := newCA(t, "other-ca")
	client := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}

	// The same CA, issuing as if three hours ago.
	past := *ca
	past.Now = func() time.Time { return time.Now().Add(-3 * time.Hour) }

	tests := []struct {
		name    string
		req     *http.Request
		want    *User
		wantOK  bool
		wantErr bool
	}{
		{
			name:   "good client certificate",
			req:    requestWithCerts(issue(t, ca, pki.CertRequest{CommonName: "alice", Organization: []string{"dev", "ops"}, Usages: client})),
			want:   &User{Name: "alice", Groups: []string{"dev", "ops", GroupAuthenticated}},
			wantOK: true,
		},
		{
			name:   "client and server usage",
			req:    requestWithCerts(issue(t, ca, pki.CertRequest{CommonName: "system:node:n1", Organization: []string{"system:nodes"}, Usages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}})),
			want:   &User{Name: "system:node:n1", Groups: []string{"system:nodes", GroupAuthenticated}},
			wantOK: true,
		},
		{
			name:    "certificate from another CA",
			req:     requestWithCerts(issue(t, other, pki.CertRequest{CommonName: "mallory", Organization: []string{GroupMasters}, Usages: client})),
			wantErr: true,
		},
		{
			name:    "expired certificate",
			req:     requestWithCerts(issue(t, &past, pki.CertRequest{CommonName: "alice", Usages: client, Validity: time.Hour})),
			wantErr: true,
		},
		{
			name:    "server-auth-only certificate",
			req:     requestWithCerts(issue(t, ca, pki.CertRequest{CommonName: "kube-apiserver", Usages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})),
			wantErr: true,
		},
		{
			name:    "empty common name",
			req:     requestWithCerts(issue(t, ca, pki.CertRequest{Organization: []string{"dev"}, Usages: client})),
			wantErr: true,
		},
		{
			name: "plain HTTP",
			req:  requestWithCerts(),
		},
		{
			name: "TLS without client certificate",
			req:  requestWithCerts([]*x509.Certificate{}...),
		},
	}
	a := NewX509(ca.Pool())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := a.Authenticate(tt.req)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Authenticate() error = %v, wantErr %v", err, tt.wantErr)
			}
			if ok != tt.wantOK {
				t.Fatalf("Authenticate() ok = %v, want %v", ok, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Authenticate() user (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTokenFile(t *testing.T) {
	admin := &User{Name: "admin", UID: "1", Groups: []string{GroupMasters}}
	a := NewTokenFile(map[string]*User{
		"s3cret":   admin,
		"node-tok": {Name: "system:node:n1", Groups: []string{"system:nodes"}, Extra: map[string][]string{"k": {"v"}}},
	})
	tests := []struct {
		name    string
		header  string
		want    *User
		wantOK  bool
		wantErr error
	}{
		{
			name:   "known token",
			header: "Bearer s3cret",
			want:   &User{Name: "admin", UID: "1", Groups: []string{GroupMasters, GroupAuthenticated}},
			wantOK: true,
		},
		{
			name:   "scheme is case-insensitive",
			header: "bearer node-tok",
			want:   &User{Name: "system:node:n1", Groups: []string{"system:nodes", GroupAuthenticated}, Extra: map[string][]string{"k": {"v"}}},
			wantOK: true,
		},
		{name: "unknown token", header: "Bearer nope", wantErr: ErrInvalidToken},
		{name: "prefix of a token", header: "Bearer s3cre", wantErr: ErrInvalidToken},
		{name: "no header"},
		{name: "empty bearer", header: "Bearer "},
		{name: "basic auth", header: "Basic YWRtaW46YWRtaW4="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := a.Authenticate(requestWithAuth(tt.header))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Authenticate() error = %v, want %v", err, tt.wantErr)
			}
			if ok != tt.wantOK {
				t.Fatalf("Authenticate() ok = %v, want %v", ok, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Authenticate() user (-want +got):\n%s", diff)
			}
		})
	}
	if diff := cmp.Diff([]string{GroupMasters}, admin.Groups); diff != "" {
		t.Errorf("caller's user was modified (-want +got):\n%s", diff)
	}
}

// fixed is an Authenticator with a canned answer.
func fixed(u *User, ok bool, err error) Authenticator {
	return AuthenticatorFunc(func(*http.Request) (*User, bool, error) { return u, ok, err })
}

func TestUnion(t *testing.T) {
	errA := errors.New("a: bad credentials")
	errB := errors.New("b: bad credentials")
	alice := &User{Name: "alice"}
	bob := &User{Name: "bob", Groups: []string{GroupAuthenticated}}
	none := fixed(nil, false, nil)

	tests := []struct {
		name     string
		a        []Authenticator
		want     *User
		wantOK   bool
		wantErrs []error
	}{
		{name: "empty"},
		{name: "all no opinion", a: []Authenticator{none, none}},
		{
			name:   "first success wins",
			a:      []Authenticator{none, fixed(alice, true, nil), fixed(bob, true, nil)},
			want:   &User{Name: "alice", Groups: []string{GroupAuthenticated}},
			wantOK: true,
		},
		{
			name:   "success after an error",
			a:      []Authenticator{fixed(nil, false, errA), fixed(bob, true, nil)},
			want:   &User{Name: "bob", Groups: []string{GroupAuthenticated}},
			wantOK: true,
		},
		{
			name:     "error and no opinion",
			a:        []Authenticator{none, fixed(nil, false, errA)},
			wantErrs: []error{errA},
		},
		{
			name:     "all errors",
			a:        []Authenticator{fixed(nil, false, errA), nil, fixed(nil, false, errB)},
			wantErrs: []error{errA, errB},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := Union(tt.a...).Authenticate(requestWithAuth(""))
			if (err != nil) != (len(tt.wantErrs) > 0) {
				t.Fatalf("Authenticate() error = %v, want %v", err, tt.wantErrs)
			}
			for _, want := range tt.wantErrs {
				if !errors.Is(err, want) {
					t.Errorf("Authenticate() error = %v, want it to wrap %v", err, want)
				}
			}
			if ok != tt.wantOK {
				t.Fatalf("Authenticate() ok = %v, want %v", ok, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Authenticate() user (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMiddleware(t *testing.T) {
	a := NewTokenFile(map[string]*User{"tok": {Name: "alice"}})
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := UserFrom(r.Context())
		if !ok {
			t.Error("no user in context")
			return
		}
		if h := r.Header.Get("Authorization"); h != "" {
			t.Errorf("Authorization header %q reached the handler", h)
		}
		w.Header().Set("X-User", u.Name)
		w.WriteHeader(http.StatusOK)
	})
	unauthorized := func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"kind":"Status","code":401}`))
	}
	h := Middleware(a, next, unauthorized)

	tests := []struct {
		name     string
		header   string
		wantCode int
		wantUser string
		wantBody string
	}{
		{name: "valid token", header: "Bearer tok", wantCode: http.StatusOK, wantUser: "alice"},
		{name: "invalid token", header: "Bearer bad", wantCode: http.StatusUnauthorized, wantBody: `{"kind":"Status","code":401}`},
		{name: "no credentials", wantCode: http.StatusUnauthorized, wantBody: `{"kind":"Status","code":401}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, requestWithAuth(tt.header))
			if rec.Code != tt.wantCode {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantCode)
			}
			if got := rec.Header().Get("X-User"); got != tt.wantUser {
				t.Errorf("user = %q, want %q", got, tt.wantUser)
			}
			if tt.wantBody != "" && rec.Body.String() != tt.wantBody {
				t.Errorf("body = %q, want %q", rec.Body.String(), tt.wantBody)
			}
		})
	}

	t.Run("default unauthorized", func(t *testing.T) {
		rec := httptest.NewRecorder()
		Middleware(a, next, nil).ServeHTTP(rec, requestWithAuth(""))
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("status = %d, want 401", rec.Code)
		}
	})
}

func TestUserFromEmptyContext(t *testing.T) {
	if u, ok := UserFrom(t.Context()); ok || u != nil {
		t.Errorf("UserFrom(empty) = %v, %v; want nil, false", u, ok)
	}
	want := &User{Name: "x"}
	got, ok := UserFrom(WithUser(t.Context(), want))
	if !ok || got != want {
		t.Errorf("UserFrom(WithUser(u)) = %v, %v; want %v, true", got, ok, want)
	}
}

// A cached verification never outlives the certificate.
func TestX509CacheHonoursExpiry(t *testing.T) {
	ca := newCA(t, "test-ca")
	cert := issue(t, ca, pki.CertRequest{CommonName: "bob", Usages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, Validity: 2 * time.Hour})
	now := time.Now()
	a := &x509Authenticator{pool: ca.Pool(), now: func() time.Time { return now }, cache: map[[32]byte]cachedUser{}}
	req := requestWithCerts(cert)
	if _, ok, err := a.Authenticate(req); !ok || err != nil {
		t.Fatalf("first authentication: ok=%v err=%v", ok, err)
	}
	if _, ok, err := a.Authenticate(req); !ok || err != nil {
		t.Fatalf("cached authentication: ok=%v err=%v", ok, err)
	}
	now = cert.NotAfter.Add(time.Minute)
	if _, ok, err := a.Authenticate(req); ok || err == nil {
		t.Fatalf("expired certificate accepted from the cache: ok=%v err=%v", ok, err)
	}
}
