package authn

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// NewX509 returns an Authenticator for TLS client certificates. The peer's
// certificate must chain to pool and allow client authentication; the user
// name is its subject CommonName and the groups its subject Organizations.
// Requests without a client certificate get no opinion.
func NewX509(pool *x509.CertPool) Authenticator {
	return &x509Authenticator{pool: pool, now: time.Now}
}

type x509Authenticator struct {
	pool *x509.CertPool
	now  func() time.Time
}

func (a *x509Authenticator) Authenticate(r *http.Request) (*User, bool, error) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil, false, nil
	}
	leaf := r.TLS.PeerCertificates[0]
	opts := x509.VerifyOptions{
		Roots:         a.pool,
		Intermediates: x509.NewCertPool(),
		CurrentTime:   a.now(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	for _, c := range r.TLS.PeerCertificates[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := leaf.Verify(opts); err != nil {
		return nil, false, fmt.Errorf("verify client certificate %q: %w", leaf.Subject.CommonName, err)
	}
	if leaf.Subject.CommonName == "" {
		return nil, false, errors.New("verify client certificate: subject common name is empty")
	}
	return authenticated(&User{
		Name:   leaf.Subject.CommonName,
		Groups: leaf.Subject.Organization,
	}), true, nil
}
