package authn

import (
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// NewX509 returns an Authenticator for TLS client certificates. The peer's
// certificate must chain to pool and allow client authentication; the user
// name is its subject CommonName and the groups its subject Organizations.
// Requests without a client certificate get no opinion.
//
// Successful verifications are cached per certificate chain for a few
// minutes (never past the leaf's expiry): a chain signature check costs
// more than serving a typical request.
func NewX509(pool *x509.CertPool) Authenticator {
	return &x509Authenticator{pool: pool, now: time.Now, cache: map[[32]byte]cachedUser{}}
}

// verifyCacheTTL bounds how long a verified chain is trusted without
// checking it again; verifyCacheSize bounds the cache.
const (
	verifyCacheTTL  = 5 * time.Minute
	verifyCacheSize = 4096
)

type cachedUser struct {
	user    User
	expires time.Time
}

type x509Authenticator struct {
	pool  *x509.CertPool
	now   func() time.Time
	mu    sync.Mutex
	cache map[[32]byte]cachedUser
}

func chainKey(certs []*x509.Certificate) [32]byte {
	h := sha256.New()
	for _, c := range certs {
		h.Write(c.Raw)
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}

func (a *x509Authenticator) Authenticate(r *http.Request) (*User, bool, error) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil, false, nil
	}
	now := a.now()
	key := chainKey(r.TLS.PeerCertificates)
	a.mu.Lock()
	c, hit := a.cache[key]
	a.mu.Unlock()
	if hit && now.Before(c.expires) {
		u := c.user
		return authenticated(&u), true, nil
	}
	u, err := a.verify(r.TLS.PeerCertificates, now)
	if err != nil {
		return nil, false, err
	}
	expires := now.Add(verifyCacheTTL)
	if na := r.TLS.PeerCertificates[0].NotAfter; na.Before(expires) {
		expires = na
	}
	a.mu.Lock()
	if len(a.cache) >= verifyCacheSize {
		clear(a.cache)
	}
	a.cache[key] = cachedUser{user: *u, expires: expires}
	a.mu.Unlock()
	return authenticated(u), true, nil
}

func (a *x509Authenticator) verify(chain []*x509.Certificate, now time.Time) (*User, error) {
	leaf := chain[0]
	opts := x509.VerifyOptions{
		Roots:         a.pool,
		Intermediates: x509.NewCertPool(),
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	for _, c := range chain[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := leaf.Verify(opts); err != nil {
		return nil, fmt.Errorf("verify client certificate %q: %w", leaf.Subject.CommonName, err)
	}
	if leaf.Subject.CommonName == "" {
		return nil, errors.New("verify client certificate: subject common name is empty")
	}
	return &User{Name: leaf.Subject.CommonName, Groups: leaf.Subject.Organization}, nil
}
