package pki

import (
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var allFiles = []string{
	CACertFileName, CAKeyFileName,
	ServingCertFileName, ServingKeyFileName,
	AdminCertFileName, AdminKeyFileName,
	SAKeyFileName, SAPubFileName,
}

// testOptions pins everything EnsureServerPKI would otherwise read from the
// host.
func testOptions() ServerPKIOptions {
	return ServerPKIOptions{
		ServiceIP: net.ParseIP("10.96.0.1"),
		ExtraSANs: []string{"api.example.com", "192.0.2.10"},
		Hostname:  "Node-A",
		HostIPs:   []net.IP{net.ParseIP("10.0.0.5"), net.ParseIP("2001:db8::5")},
	}
}

// readAll returns the contents of every PKI file in dir by name.
func readAll(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, name := range allFiles {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		out[name] = string(b)
	}
	return out
}

func mustEnsure(t *testing.T, dir string, opts ServerPKIOptions) *ServerPKI {
	t.Helper()
	p, err := EnsureServerPKI(dir, opts)
	if err != nil {
		t.Fatalf("EnsureServerPKI: %v", err)
	}
	return p
}

// changed lists the files whose contents differ between two snapshots.
func changed(before, after map[string]string) []string {
	var out []string
	for _, name := range allFiles {
		if before[name] != after[name] {
			out = append(out, name)
		}
	}
	return out
}

func TestEnsureServerPKIFirstRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	p := mustEnsure(t, dir, testOptions())

	for _, name := range []string{CAKeyFileName, ServingKeyFileName, AdminKeyFileName, SAKeyFileName} {
		assertMode(t, filepath.Join(dir, name), 0o600)
	}
	if p.CA.Cert.Subject.CommonName != CACommonName {
		t.Errorf("CA CN = %q, want %q", p.CA.Cert.Subject.CommonName, CACommonName)
	}
	if got := p.CA.Cert.NotAfter.Sub(p.CA.Cert.NotBefore); got < CAValidity {
		t.Errorf("CA valid for %v, want at least %v", got, CAValidity)
	}

	serving, err := x509.ParseCertificate(p.ServingCert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	wantDNS := []string{
		"api.example.com", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
		"kubernetes.default.svc.cluster.local", "localhost", "node-a",
	}
	wantIPs := []string{"10.0.0.5", "10.96.0.1", "127.0.0.1", "192.0.2.10", "2001:db8::5", "::1"}
	if diff := cmp.Diff(wantDNS, slices.Sorted(slices.Values(serving.DNSNames))); diff != "" {
		t.Errorf("serving DNS SANs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantIPs, slices.Sorted(slices.Values(ipStrings(serving.IPAddresses)))); diff != "" {
		t.Errorf("serving IP SANs (-want +got):\n%s", diff)
	}
	for _, name := range append(wantDNS, wantIPs...) {
		if _, err := serving.Verify(x509.VerifyOptions{
			Roots:     p.ClientCAPool,
			DNSName:   name,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}); err != nil {
			t.Errorf("serving certificate for %q: %v", name, err)
		}
	}
	if got := serving.NotAfter.Sub(serving.NotBefore); got < LeafValidity {
		t.Errorf("serving certificate valid for %v, want at least %v", got, LeafValidity)
	}

	admin := mustParseCert(t, p.AdminCertPEM)
	if _, err := admin.Verify(x509.VerifyOptions{
		Roots:     p.ClientCAPool,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}); err != nil {
		t.Errorf("admin certificate: %v", err)
	}
	if admin.Subject.CommonName != AdminUser || !slices.Equal(admin.Subject.Organization, []string{AdminGroup}) {
		t.Errorf("admin subject = %v, want CN=%s O=%s", admin.Subject, AdminUser, AdminGroup)
	}

	pubPEM, err := os.ReadFile(p.SAPubFile)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublicKeyPEM(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !publicKeysEqual(pub, p.SAKey.Public()) || !publicKeysEqual(pub, p.SAPublicKey) {
		t.Error("sa.pub does not match sa.key")
	}
}

func TestEnsureServerPKIReuse(t *testing.T) {
	dir := t.TempDir()
	first := mustEnsure(t, dir, testOptions())
	before := readAll(t, dir)

	second := mustEnsure(t, dir, testOptions())
	if diff := cmp.Diff(before, readAll(t, dir)); diff != "" {
		t.Errorf("second run changed files (-want +got):\n%s", diff)
	}
	if !second.CA.Cert.Equal(first.CA.Cert) {
		t.Error("second run loaded a different CA")
	}
	if diff := cmp.Diff(first.ServingCert.Certificate, second.ServingCert.Certificate); diff != "" {
		t.Errorf("serving certificate (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(string(first.AdminKeyPEM), string(second.AdminKeyPEM)); diff != "" {
		t.Errorf("admin key (-want +got):\n%s", diff)
	}

	// Dropping a SAN is not a reason to reissue: the old certificate still
	// covers everything required.
	fewer := testOptions()
	fewer.ExtraSANs = nil
	mustEnsure(t, dir, fewer)
	if got := changed(before, readAll(t, dir)); len(got) != 0 {
		t.Errorf("dropping ExtraSANs changed %v, want nothing", got)
	}
}

func TestEnsureServerPKIReissue(t *testing.T) {
	base := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration) func() time.Time { return func() time.Time { return base.Add(d) } }
	tests := []struct {
		name    string
		mutate  func(t *testing.T, dir string, o *ServerPKIOptions)
		want    []string
		wantSAN string
	}{
		{
			name: "new extra SAN",
			mutate: func(_ *testing.T, _ string, o *ServerPKIOptions) {
				o.ExtraSANs = append(o.ExtraSANs, "new.example.com")
			},
			want:    []string{ServingCertFileName, ServingKeyFileName},
			wantSAN: "new.example.com",
		},
		{
			name: "new host address",
			mutate: func(_ *testing.T, _ string, o *ServerPKIOptions) {
				o.HostIPs = append(o.HostIPs, net.ParseIP("10.0.0.6"))
			},
			want:    []string{ServingCertFileName, ServingKeyFileName},
			wantSAN: "10.0.0.6",
		},
		{
			name:    "new cluster domain",
			mutate:  func(_ *testing.T, _ string, o *ServerPKIOptions) { o.ClusterDomain = "corp.internal" },
			want:    []string{ServingCertFileName, ServingKeyFileName},
			wantSAN: "kubernetes.default.svc.corp.internal",
		},
		{
			name: "leaves expiring within the renewal window",
			mutate: func(_ *testing.T, _ string, o *ServerPKIOptions) {
				o.Now = at(LeafValidity - RenewBefore + time.Hour)
			},
			want: []string{ServingCertFileName, ServingKeyFileName, AdminCertFileName, AdminKeyFileName},
		},
		{
			name: "leaves outside the renewal window are kept",
			mutate: func(_ *testing.T, _ string, o *ServerPKIOptions) {
				o.Now = at(LeafValidity - RenewBefore - time.Hour)
			},
		},
		{
			name: "missing admin key",
			mutate: func(t *testing.T, dir string, _ *ServerPKIOptions) {
				if err := os.Remove(filepath.Join(dir, AdminKeyFileName)); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{AdminCertFileName, AdminKeyFileName},
		},
		{
			name: "corrupt serving certificate",
			mutate: func(t *testing.T, dir string, _ *ServerPKIOptions) {
				if err := os.WriteFile(filepath.Join(dir, ServingCertFileName), []byte("garbage"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{ServingCertFileName, ServingKeyFileName},
		},
		{
			name: "missing sa.pub",
			mutate: func(t *testing.T, dir string, _ *ServerPKIOptions) {
				if err := os.Remove(filepath.Join(dir, SAPubFileName)); err != nil {
					t.Fatal(err)
				}
			},
			// Rewritten with the same contents.
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			opts := testOptions()
			opts.Now = at(0)
			first := mustEnsure(t, dir, opts)
			before := readAll(t, dir)

			tt.mutate(t, dir, &opts)
			p := mustEnsure(t, dir, opts)

			if diff := cmp.Diff(tt.want, changed(before, readAll(t, dir))); diff != "" {
				t.Errorf("changed files (-want +got):\n%s", diff)
			}
			if !p.CA.Cert.Equal(first.CA.Cert) {
				t.Error("CA was replaced")
			}
			serving, err := x509.ParseCertificate(p.ServingCert.Certificate[0])
			if err != nil {
				t.Fatal(err)
			}
			if _, err := serving.Verify(x509.VerifyOptions{
				Roots:       first.ClientCAPool,
				DNSName:     tt.wantSAN,
				CurrentTime: p.CA.now(),
				KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			}); err != nil {
				t.Errorf("serving certificate does not verify against the original CA: %v", err)
			}
		})
	}
}

func TestEnsureServerPKIBrokenCA(t *testing.T) {
	dir := t.TempDir()
	mustEnsure(t, dir, testOptions())
	if err := os.Remove(filepath.Join(dir, CAKeyFileName)); err != nil {
		t.Fatal(err)
	}
	if _, err := EnsureServerPKI(dir, testOptions()); err == nil {
		t.Error("EnsureServerPKI with ca.crt but no ca.key: want error, not a silently replaced CA")
	}
}

func TestEnsureServerPKIHostDefaults(t *testing.T) {
	p := mustEnsure(t, t.TempDir(), ServerPKIOptions{})
	serving, err := x509.ParseCertificate(p.ServingCert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	host, err := os.Hostname()
	if err != nil {
		t.Skipf("no hostname: %v", err)
	}
	for _, name := range []string{"localhost", "127.0.0.1", "::1", host} {
		if err := serving.VerifyHostname(name); err != nil {
			t.Errorf("VerifyHostname(%q): %v", name, err)
		}
	}
	ips, err := hostIPs()
	if err != nil {
		t.Fatal(err)
	}
	for _, ip := range ips {
		if err := serving.VerifyHostname(ip.String()); err != nil {
			t.Errorf("VerifyHostname(%q): %v", ip, err)
		}
	}
}
