package pki

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func mustCA(t *testing.T) *CA {
	t.Helper()
	ca, err := NewCA("test-ca", 24*time.Hour)
	if err != nil {
		t.Fatalf("NewCA: %v", err)
	}
	return ca
}

func mustParseCert(t *testing.T, certPEM []byte) *x509.Certificate {
	t.Helper()
	certs, err := ParseCertsPEM(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	return certs[0]
}

func TestNewCA(t *testing.T) {
	ca := mustCA(t)
	c := ca.Cert
	if !c.IsCA || !c.BasicConstraintsValid {
		t.Errorf("CA certificate: IsCA=%v BasicConstraintsValid=%v, want both true", c.IsCA, c.BasicConstraintsValid)
	}
	if c.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("CA key usage %v lacks CertSign", c.KeyUsage)
	}
	if err := c.CheckSignatureFrom(c); err != nil {
		t.Errorf("CA is not self-signed: %v", err)
	}
	if got := mustParseCert(t, ca.CertPEM); !got.Equal(c) {
		t.Error("CertPEM does not encode Cert")
	}
	if _, err := NewCA("x", 0); err == nil {
		t.Error("NewCA with zero validity: want error")
	}
}

func TestCAWriteLoad(t *testing.T) {
	ca := mustCA(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")
	if err := ca.Write(certFile, keyFile); err != nil {
		t.Fatal(err)
	}
	assertMode(t, keyFile, 0o600)
	assertMode(t, certFile, 0o644)

	loaded, err := LoadCA(certFile, keyFile)
	if err != nil {
		t.Fatalf("LoadCA: %v", err)
	}
	if !loaded.Cert.Equal(ca.Cert) || !publicKeysEqual(loaded.Key.Public(), ca.Key.Public()) {
		t.Error("loaded CA differs from the written one")
	}
	if diff := cmp.Diff(string(ca.CertPEM), string(loaded.CertPEM)); diff != "" {
		t.Errorf("CertPEM (-want +got):\n%s", diff)
	}

	// A key from another CA must be refused.
	otherKey := filepath.Join(dir, "other.key")
	if err := mustCA(t).Write(filepath.Join(dir, "other.crt"), otherKey); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCA(certFile, otherKey); err == nil {
		t.Error("LoadCA with mismatched key: want error")
	}
	// A leaf certificate is not a CA.
	leafPEM, leafKeyPEM, err := ca.Issue(CertRequest{CommonName: "leaf", Usages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseCA(leafPEM, leafKeyPEM); err == nil {
		t.Error("parseCA of a leaf: want error")
	}
}

func TestIssue(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	ca, err := newCA("test-ca", 24*time.Hour, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	roots := ca.Pool()

	tests := []struct {
		name       string
		req        CertRequest
		verifyName string
		usage      x509.ExtKeyUsage
		wantDNS    []string
		wantIPs    []string
		wantAfter  time.Time
	}{
		{
			name: "server",
			req: CertRequest{
				CommonName: "kube-apiserver",
				DNSNames:   []string{"localhost", "api.example.com"},
				IPs:        []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
				Usages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
				Validity:   2 * time.Hour,
			},
			verifyName: "api.example.com",
			usage:      x509.ExtKeyUsageServerAuth,
			wantDNS:    []string{"localhost", "api.example.com"},
			wantIPs:    []string{"127.0.0.1", "::1"},
			wantAfter:  now.Add(2 * time.Hour),
		},
		{
			name: "server verified by IP",
			req: CertRequest{
				CommonName: "kube-apiserver",
				IPs:        []net.IP{net.ParseIP("10.0.0.1")},
				Usages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
				Validity:   time.Hour,
			},
			verifyName: "10.0.0.1",
			usage:      x509.ExtKeyUsageServerAuth,
			wantIPs:    []string{"10.0.0.1"},
			wantAfter:  now.Add(time.Hour),
		},
		{
			name: "client, validity capped by CA",
			req: CertRequest{
				CommonName:   "alice",
				Organization: []string{"dev"},
				Usages:       []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
			},
			usage:     x509.ExtKeyUsageClientAuth,
			wantAfter: ca.Cert.NotAfter,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certPEM, keyPEM, err := ca.Issue(tt.req)
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			c := mustParseCert(t, certPEM)
			if _, err := c.Verify(x509.VerifyOptions{
				Roots:       roots,
				DNSName:     tt.verifyName,
				CurrentTime: now,
				KeyUsages:   []x509.ExtKeyUsage{tt.usage},
			}); err != nil {
				t.Errorf("Verify: %v", err)
			}
			if c.IsCA {
				t.Error("leaf is a CA")
			}
			if diff := cmp.Diff(tt.req.CommonName, c.Subject.CommonName); diff != "" {
				t.Errorf("CN (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.req.Organization, c.Subject.Organization); diff != "" {
				t.Errorf("O (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantDNS, c.DNSNames); diff != "" {
				t.Errorf("DNS SANs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantIPs, ipStrings(c.IPAddresses)); diff != "" {
				t.Errorf("IP SANs (-want +got):\n%s", diff)
			}
			if want := now.Add(-time.Hour); !c.NotBefore.Equal(want) {
				t.Errorf("NotBefore = %v, want %v", c.NotBefore, want)
			}
			if !c.NotAfter.Equal(tt.wantAfter.Truncate(time.Second)) {
				t.Errorf("NotAfter = %v, want %v", c.NotAfter, tt.wantAfter)
			}
			if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() > 128 {
				t.Errorf("serial %v is not a positive 128-bit number", c.SerialNumber)
			}
			key, err := ParseKeyPEM(keyPEM)
			if err != nil {
				t.Fatalf("ParseKeyPEM: %v", err)
			}
			if !publicKeysEqual(key.Public(), c.PublicKey) {
				t.Error("key does not match certificate")
			}
		})
	}

	if _, _, err := ca.Issue(CertRequest{CommonName: "no-usage"}); err == nil {
		t.Error("Issue without usages: want error")
	}
	expired := *ca
	expired.Now = func() time.Time { return now.Add(48 * time.Hour) }
	if _, _, err := expired.Issue(tests[0].req); err == nil {
		t.Error("Issue from an expired CA: want error")
	}
	a, _, _ := ca.Issue(tests[0].req)
	b, _, _ := ca.Issue(tests[0].req)
	if mustParseCert(t, a).SerialNumber.Cmp(mustParseCert(t, b).SerialNumber) == 0 {
		t.Error("two certificates share a serial number")
	}
}

func TestSignCSR(t *testing.T) {
	ca := mustCA(t)
	key, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject:     pkix.Name{CommonName: "system:node:n1", Organization: []string{"system:nodes"}},
		DNSNames:    []string{"n1"},
		IPAddresses: []net.IP{net.ParseIP("192.0.2.7")},
	}, key)
	if err != nil {
		t.Fatal(err)
	}
	csrPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})

	certPEM, err := ca.SignCSR(csrPEM, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, time.Hour)
	if err != nil {
		t.Fatalf("SignCSR: %v", err)
	}
	c := mustParseCert(t, certPEM)
	if _, err := c.Verify(x509.VerifyOptions{Roots: ca.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if !publicKeysEqual(c.PublicKey, key.Public()) {
		t.Error("certificate is not for the CSR's key")
	}
	got := struct {
		CN, O, DNS, IPs any
	}{c.Subject.CommonName, c.Subject.Organization, c.DNSNames, ipStrings(c.IPAddresses)}
	want := struct {
		CN, O, DNS, IPs any
	}{"system:node:n1", []string{"system:nodes"}, []string{"n1"}, []string{"192.0.2.7"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("signed certificate (-want +got):\n%s", diff)
	}

	tampered := append([]byte(nil), der...)
	tampered[len(tampered)-5] ^= 0xff // inside the signature
	for name, in := range map[string][]byte{
		"not PEM":       []byte("hello"),
		"bad signature": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: tampered}),
		"wrong block":   certPEM,
	} {
		if _, err := ca.SignCSR(in, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, time.Hour); err == nil {
			t.Errorf("SignCSR(%s): want error", name)
		}
	}
}

func ipStrings(ips []net.IP) []string {
	var out []string
	for _, ip := range ips {
		out = append(out, ip.String())
	}
	return out
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %v, want %v", filepath.Base(path), got, want)
	}
}
