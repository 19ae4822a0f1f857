package pki

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"time"
)

// CertRequest describes a leaf certificate for CA.Issue.
type CertRequest struct {
	// CommonName becomes the subject CN; for client certificates it is the
	// user name.
	CommonName string
	// Organization becomes the subject O; for client certificates these are
	// the user's groups.
	Organization []string
	// DNSNames and IPs are the subject alternative names.
	DNSNames []string
	IPs      []net.IP
	// Usages are the extended key usages, typically ExtKeyUsageServerAuth
	// and/or ExtKeyUsageClientAuth. At least one is required.
	Usages []x509.ExtKeyUsage
	// Validity is how long the certificate is valid from now. Zero means
	// LeafValidity.
	Validity time.Duration
}

// LeafValidity is the default validity of certificates issued by a CA.
const LeafValidity = 365 * 24 * time.Hour

// Issue creates a new ECDSA P-256 key and a certificate for it signed by the
// CA. It returns both in PEM; the key is PKCS #8.
func (ca *CA) Issue(req CertRequest) (certPEM, keyPEM []byte, err error) {
	key, err := NewKey()
	if err != nil {
		return nil, nil, fmt.Errorf("issue certificate %q: %w", req.CommonName, err)
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: req.CommonName, Organization: req.Organization},
		DNSNames:    req.DNSNames,
		IPAddresses: req.IPs,
		ExtKeyUsage: req.Usages,
	}
	certPEM, err = ca.sign(tmpl, key.Public(), req.Validity)
	if err != nil {
		return nil, nil, fmt.Errorf("issue certificate %q: %w", req.CommonName, err)
	}
	keyPEM, err = EncodeKeyPEM(key)
	if err != nil {
		return nil, nil, fmt.Errorf("issue certificate %q: %w", req.CommonName, err)
	}
	return certPEM, keyPEM, nil
}

// SignCSR signs a PEM certificate signing request with the CA. The subject
// and the DNS and IP subject alternative names are taken from the request;
// usages and validity (zero means LeafValidity) are decided by the caller,
// which is responsible for having authorized the request's subject.
func (ca *CA) SignCSR(csrPEM []byte, usages []x509.ExtKeyUsage, validity time.Duration) ([]byte, error) {
	block, _ := pem.Decode(csrPEM)
	if block == nil || block.Type != pemTypeCSR {
		return nil, errors.New("sign csr: no CERTIFICATE REQUEST PEM block found")
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("sign csr: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("sign csr %q: %w", csr.Subject.CommonName, err)
	}
	tmpl := &x509.Certificate{
		Subject:     csr.Subject,
		DNSNames:    csr.DNSNames,
		IPAddresses: csr.IPAddresses,
		ExtKeyUsage: usages,
	}
	certPEM, err := ca.sign(tmpl, csr.PublicKey, validity)
	if err != nil {
		return nil, fmt.Errorf("sign csr %q: %w", csr.Subject.CommonName, err)
	}
	return certPEM, nil
}

// sign fills in the fields common to every leaf and signs tmpl for pub.
func (ca *CA) sign(tmpl *x509.Certificate, pub any, validity time.Duration) ([]byte, error) {
	if len(tmpl.ExtKeyUsage) == 0 {
		return nil, errors.New("at least one extended key usage is required")
	}
	if validity < 0 {
		return nil, fmt.Errorf("validity must not be negative, got %s", validity)
	}
	if validity == 0 {
		validity = LeafValidity
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	now := ca.now()
	if !now.Before(ca.Cert.NotAfter) {
		return nil, fmt.Errorf("ca %q expired at %s", ca.Cert.Subject.CommonName, ca.Cert.NotAfter.Format(time.RFC3339))
	}
	notAfter := now.Add(validity)
	if notAfter.After(ca.Cert.NotAfter) {
		// A leaf outliving its CA would fail verification anyway.
		notAfter = ca.Cert.NotAfter
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore = now.Add(-clockSkew).UTC()
	tmpl.NotAfter = notAfter.UTC()
	tmpl.KeyUsage = keyUsageFor(pub)
	tmpl.BasicConstraintsValid = true
	tmpl.IsCA = false
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, pub, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("sign certificate: %w", err)
	}
	return encodeCertPEM(der), nil
}
