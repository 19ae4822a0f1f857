package pki

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"os"
	"time"
)

// clockSkew is how far into the past NotBefore is set on new certificates,
// so that machines whose clocks lag a little still accept them.
const clockSkew = time.Hour

// CA is a certificate authority able to issue certificates.
//
// A CA is safe for concurrent use once constructed, provided Now is not
// changed concurrently.
type CA struct {
	// Cert is the CA certificate.
	Cert *x509.Certificate
	// Key is the CA's private key; its public half matches Cert.
	Key crypto.Signer
	// CertPEM is Cert in PEM, as written to and read from disk.
	CertPEM []byte

	// Now returns the current time for validity periods. Nil means time.Now.
	// Tests set it to issue certificates valid in the past or the future.
	Now func() time.Time
}

// NewCA creates a self-signed CA with a new ECDSA P-256 key, valid from an
// hour ago for validity.
func NewCA(commonName string, validity time.Duration) (*CA, error) {
	return newCA(commonName, validity, time.Now)
}

func newCA(commonName string, validity time.Duration, now func() time.Time) (*CA, error) {
	if validity <= 0 {
		return nil, fmt.Errorf("create ca %q: validity must be positive, got %s", commonName, validity)
	}
	key, err := NewKey()
	if err != nil {
		return nil, fmt.Errorf("create ca %q: %w", commonName, err)
	}
	serial, err := newSerial()
	if err != nil {
		return nil, fmt.Errorf("create ca %q: %w", commonName, err)
	}
	t := now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             t.Add(-clockSkew).UTC(),
		NotAfter:              t.Add(validity).UTC(),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("create ca %q: sign certificate: %w", commonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("create ca %q: parse certificate: %w", commonName, err)
	}
	return &CA{Cert: cert, Key: key, CertPEM: encodeCertPEM(der), Now: now}, nil
}

// LoadCA reads a CA certificate and its private key from PEM files and checks
// that they belong together and that the certificate is a CA.
func LoadCA(certFile, keyFile string) (*CA, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("load ca: %w", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("load ca: %w", err)
	}
	ca, err := parseCA(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("load ca from %q and %q: %w", certFile, keyFile, err)
	}
	return ca, nil
}

func parseCA(certPEM, keyPEM []byte) (*CA, error) {
	certs, err := ParseCertsPEM(certPEM)
	if err != nil {
		return nil, err
	}
	cert := certs[0]
	if !cert.IsCA {
		return nil, fmt.Errorf("certificate %q is not a CA", cert.Subject.CommonName)
	}
	key, err := ParseKeyPEM(keyPEM)
	if err != nil {
		return nil, err
	}
	if !publicKeysEqual(key.Public(), cert.PublicKey) {
		return nil, errors.New("private key does not match the CA certificate")
	}
	return &CA{Cert: cert, Key: key, CertPEM: encodeCertPEM(cert.Raw)}, nil
}

// Write stores the CA certificate and key as PEM files. The key file gets
// mode 0600, the certificate 0644. The key is written first, so a crash in
// between leaves no certificate without its key.
func (ca *CA) Write(certFile, keyFile string) error {
	keyPEM, err := EncodeKeyPEM(ca.Key)
	if err != nil {
		return fmt.Errorf("write ca: %w", err)
	}
	if err := writeFileAtomic(keyFile, keyPEM, 0o600); err != nil {
		return fmt.Errorf("write ca key: %w", err)
	}
	if err := writeFileAtomic(certFile, ca.CertPEM, 0o644); err != nil {
		return fmt.Errorf("write ca certificate: %w", err)
	}
	return nil
}

// Pool returns a certificate pool holding only this CA's certificate.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

func (ca *CA) now() time.Time {
	if ca.Now != nil {
		return ca.Now()
	}
	return time.Now()
}

// newSerial returns a random positive 128-bit serial number.
func newSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 128)
	for {
		n, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return nil, fmt.Errorf("generate serial number: %w", err)
		}
		if n.Sign() > 0 {
			return n, nil
		}
	}
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	ea, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	if ok {
		return ea.Equal(b)
	}
	da, errA := x509.MarshalPKIXPublicKey(a)
	db, errB := x509.MarshalPKIXPublicKey(b)
	return errA == nil && errB == nil && bytes.Equal(da, db)
}
