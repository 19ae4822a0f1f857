package pki

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Names and lifetimes of the server PKI.
const (
	// CACommonName is the subject CN of the cluster CA.
	CACommonName = "berth-ca"
	// AdminUser and AdminGroup are the identity of the admin client
	// certificate: a member of system:masters, which RBAC lets do anything.
	AdminUser  = "berth-admin"
	AdminGroup = "system:masters"
	// ServingCommonName is the subject CN of the API server certificate.
	ServingCommonName = "kube-apiserver"

	// CAValidity is how long a newly created cluster CA is valid.
	CAValidity = 10 * 365 * 24 * time.Hour
	// RenewBefore is how close to expiry a leaf certificate is reissued.
	RenewBefore = 30 * 24 * time.Hour

	// DefaultClusterDomain is the cluster DNS domain used when none is set.
	DefaultClusterDomain = "cluster.local"
)

// File names inside the server PKI directory.
const (
	CACertFileName      = "ca.crt"
	CAKeyFileName       = "ca.key"
	ServingCertFileName = "serving.crt"
	ServingKeyFileName  = "serving.key"
	AdminCertFileName   = "admin.crt"
	AdminKeyFileName    = "admin.key"
	SAKeyFileName       = "sa.key"
	SAPubFileName       = "sa.pub"
)

// ServerPKIOptions tunes EnsureServerPKI. The zero value is usable.
type ServerPKIOptions struct {
	// ClusterDomain is the cluster DNS domain; the serving certificate
	// covers kubernetes.default.svc.<ClusterDomain>. Default "cluster.local".
	ClusterDomain string
	// ServiceIP is the first address of the service CIDR, the ClusterIP of
	// the "kubernetes" Service. Nil leaves it out of the serving certificate.
	ServiceIP net.IP
	// ExtraSANs are further names for the serving certificate; each is an IP
	// address if it parses as one and a DNS name otherwise.
	ExtraSANs []string
	// Hostname is the host's name for the serving certificate. Empty means
	// os.Hostname().
	Hostname string
	// HostIPs are the host's addresses for the serving certificate. Nil means
	// every non-loopback, non-link-local unicast address of the host's
	// interfaces.
	HostIPs []net.IP
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
}

// ServerPKI is the API server's key material, as files under Dir and loaded
// into memory.
type ServerPKI struct {
	// Dir is the directory holding the files below.
	Dir string
	// Paths of the files, all inside Dir.
	CACertFile, CAKeyFile           string
	ServingCertFile, ServingKeyFile string
	AdminCertFile, AdminKeyFile     string
	SAKeyFile, SAPubFile            string

	// CA is the cluster certificate authority.
	CA *CA
	// ServingCert is the API server's TLS certificate, chain and key.
	ServingCert tls.Certificate
	// ClientCAPool holds the CA that signs client certificates.
	ClientCAPool *x509.CertPool
	// AdminCertPEM and AdminKeyPEM are the admin client credential.
	AdminCertPEM, AdminKeyPEM []byte
	// SAKey signs service-account tokens; SAPublicKey verifies them.
	SAKey       crypto.Signer
	SAPublicKey crypto.PublicKey
}

// EnsureServerPKI makes sure dir holds a cluster CA, an API serving
// certificate, an admin client certificate and a service-account key pair,
// creating whatever is missing, and returns them loaded.
//
// Existing files are reused unchanged. A leaf certificate is reissued from
// the same CA only when it is missing, unreadable, not signed by the CA,
// expires within RenewBefore, or (for the serving certificate) lacks a
// subject alternative name that opts now require. An existing CA is never
// replaced; if ca.crt exists but cannot be loaded, EnsureServerPKI fails.
//
// EnsureServerPKI is not safe to call concurrently on one directory.
func EnsureServerPKI(dir string, opts ServerPKIOptions) (*ServerPKI, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("ensure server pki in %q: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("ensure server pki: create %q: %w", dir, err)
	}
	p := &ServerPKI{
		Dir:             dir,
		CACertFile:      filepath.Join(dir, CACertFileName),
		CAKeyFile:       filepath.Join(dir, CAKeyFileName),
		ServingCertFile: filepath.Join(dir, ServingCertFileName),
		ServingKeyFile:  filepath.Join(dir, ServingKeyFileName),
		AdminCertFile:   filepath.Join(dir, AdminCertFileName),
		AdminKeyFile:    filepath.Join(dir, AdminKeyFileName),
		SAKeyFile:       filepath.Join(dir, SAKeyFileName),
		SAPubFile:       filepath.Join(dir, SAPubFileName),
	}

	if p.CA, err = ensureCA(p.CACertFile, p.CAKeyFile, opts.Now); err != nil {
		return nil, err
	}
	p.ClientCAPool = p.CA.Pool()

	dnsNames, ips := opts.servingSANs()
	servingCertPEM, servingKeyPEM, err := ensureLeaf(p.CA, p.ServingCertFile, p.ServingKeyFile, CertRequest{
		CommonName: ServingCommonName,
		DNSNames:   dnsNames,
		IPs:        ips,
		Usages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		return nil, err
	}
	if p.ServingCert, err = tls.X509KeyPair(servingCertPEM, servingKeyPEM); err != nil {
		return nil, fmt.Errorf("ensure server pki: load serving certificate: %w", err)
	}

	if p.AdminCertPEM, p.AdminKeyPEM, err = ensureLeaf(p.CA, p.AdminCertFile, p.AdminKeyFile, CertRequest{
		CommonName:   AdminUser,
		Organization: []string{AdminGroup},
		Usages:       []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}); err != nil {
		return nil, err
	}

	if p.SAKey, err = ensureSAKey(p.SAKeyFile, p.SAPubFile); err != nil {
		return nil, err
	}
	p.SAPublicKey = p.SAKey.Public()
	return p, nil
}

func (o ServerPKIOptions) withDefaults() (ServerPKIOptions, error) {
	if o.ClusterDomain == "" {
		o.ClusterDomain = DefaultClusterDomain
	}
	o.ClusterDomain = strings.TrimSuffix(o.ClusterDomain, ".")
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Hostname == "" {
		// A host without a name still gets a usable certificate.
		if h, err := os.Hostname(); err == nil {
			o.Hostname = h
		}
	}
	if o.HostIPs == nil {
		ips, err := hostIPs()
		if err != nil {
			return o, err
		}
		o.HostIPs = ips
	}
	return o, nil
}

// servingSANs lists every name the serving certificate must carry, without
// duplicates.
func (o ServerPKIOptions) servingSANs() ([]string, []net.IP) {
	var dns []string
	addDNS := func(n string) {
		n = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(n), "."))
		if n != "" && !slices.Contains(dns, n) {
			dns = append(dns, n)
		}
	}
	var ips []net.IP
	addIP := func(ip net.IP) {
		if ip == nil {
			return
		}
		if !slices.ContainsFunc(ips, ip.Equal) {
			ips = append(ips, ip)
		}
	}

	addDNS("localhost")
	addDNS("kubernetes")
	addDNS("kubernetes.default")
	addDNS("kubernetes.default.svc")
	addDNS("kubernetes.default.svc." + o.ClusterDomain)
	addDNS(o.Hostname)
	addIP(net.IPv4(127, 0, 0, 1))
	addIP(net.IPv6loopback)
	addIP(o.ServiceIP)
	for _, ip := range o.HostIPs {
		addIP(ip)
	}
	for _, s := range o.ExtraSANs {
		if ip := net.ParseIP(strings.TrimSpace(s)); ip != nil {
			addIP(ip)
		} else {
			addDNS(s)
		}
	}
	return dns, ips
}

// hostIPs returns the host's non-loopback unicast addresses. Link-local
// addresses are left out: they are scoped to one link, unusable in a URL
// without a zone, and come and go with virtual interfaces, which would
// churn the serving certificate.
func hostIPs() ([]net.IP, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("list interface addresses: %w", err)
	}
	var ips []net.IP
	for _, a := range addrs {
		var ip net.IP
		switch v := a.(type) {
		case *net.IPNet:
			ip = v.IP
		case *net.IPAddr:
			ip = v.IP
		}
		if ip != nil && ip.IsGlobalUnicast() {
			ips = append(ips, ip)
		}
	}
	return ips, nil
}

// ensureCA loads the CA from certFile/keyFile, or creates and writes one if
// certFile does not exist.
func ensureCA(certFile, keyFile string, now func() time.Time) (*CA, error) {
	exists, err := fileExists(certFile)
	if err != nil {
		return nil, fmt.Errorf("ensure ca: %w", err)
	}
	if exists {
		ca, err := LoadCA(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("ensure ca: %w", err)
		}
		ca.Now = now
		return ca, nil
	}
	ca, err := newCA(CACommonName, CAValidity, now)
	if err != nil {
		return nil, fmt.Errorf("ensure ca: %w", err)
	}
	if err := ca.Write(certFile, keyFile); err != nil {
		return nil, fmt.Errorf("ensure ca: %w", err)
	}
	return ca, nil
}

// ensureLeaf returns the certificate and key in certFile/keyFile if they
// still satisfy req, and otherwise issues and writes new ones.
func ensureLeaf(ca *CA, certFile, keyFile string, req CertRequest) (certPEM, keyPEM []byte, err error) {
	certPEM, keyPEM, ok, err := loadLeaf(ca, certFile, keyFile, req)
	if err != nil {
		return nil, nil, err
	}
	if ok {
		return certPEM, keyPEM, nil
	}
	certPEM, keyPEM, err = ca.Issue(req)
	if err != nil {
		return nil, nil, err
	}
	if err := writeFileAtomic(keyFile, keyPEM, 0o600); err != nil {
		return nil, nil, fmt.Errorf("write key for %q: %w", req.CommonName, err)
	}
	if err := writeFileAtomic(certFile, certPEM, 0o644); err != nil {
		return nil, nil, fmt.Errorf("write certificate for %q: %w", req.CommonName, err)
	}
	return certPEM, keyPEM, nil
}

// loadLeaf reads an existing leaf pair and reports whether it is still good
// for req. Missing or malformed files yield ok=false so the caller reissues;
// only I/O failures other than absence are errors.
func loadLeaf(ca *CA, certFile, keyFile string, req CertRequest) (certPEM, keyPEM []byte, ok bool, err error) {
	for _, f := range []string{certFile, keyFile} {
		exists, err := fileExists(f)
		if err != nil || !exists {
			return nil, nil, false, err
		}
	}
	if certPEM, err = os.ReadFile(certFile); err != nil {
		return nil, nil, false, fmt.Errorf("read certificate: %w", err)
	}
	if keyPEM, err = os.ReadFile(keyFile); err != nil {
		return nil, nil, false, fmt.Errorf("read key: %w", err)
	}
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		return nil, nil, false, nil
	}
	certs, err := ParseCertsPEM(certPEM)
	if err != nil {
		return nil, nil, false, nil
	}
	if !satisfies(ca, certs[0], req) {
		return nil, nil, false, nil
	}
	return certPEM, keyPEM, true, nil
}

// satisfies reports whether cert, signed by ca, still serves for req at the
// CA's current time.
func satisfies(ca *CA, cert *x509.Certificate, req CertRequest) bool {
	if cert.CheckSignatureFrom(ca.Cert) != nil {
		return false
	}
	now := ca.now()
	if now.Before(cert.NotBefore) || now.Add(RenewBefore).After(cert.NotAfter) {
		return false
	}
	if cert.Subject.CommonName != req.CommonName {
		return false
	}
	for _, o := range req.Organization {
		if !slices.Contains(cert.Subject.Organization, o) {
			return false
		}
	}
	for _, u := range req.Usages {
		if !slices.Contains(cert.ExtKeyUsage, u) {
			return false
		}
	}
	for _, n := range req.DNSNames {
		if !slices.ContainsFunc(cert.DNSNames, func(have string) bool { return strings.EqualFold(have, n) }) {
			return false
		}
	}
	for _, ip := range req.IPs {
		if !slices.ContainsFunc(cert.IPAddresses, ip.Equal) {
			return false
		}
	}
	return true
}

// ensureSAKey loads the service-account signing key, or creates it, and
// makes sure the public half sits next to it.
func ensureSAKey(keyFile, pubFile string) (crypto.Signer, error) {
	exists, err := fileExists(keyFile)
	if err != nil {
		return nil, fmt.Errorf("ensure service-account key: %w", err)
	}
	var key crypto.Signer
	if exists {
		data, err := os.ReadFile(keyFile)
		if err != nil {
			return nil, fmt.Errorf("ensure service-account key: %w", err)
		}
		// Tokens already handed out were signed with this key; replacing
		// it silently would invalidate them, so a bad file is an error.
		if key, err = ParseKeyPEM(data); err != nil {
			return nil, fmt.Errorf("ensure service-account key %q: %w", keyFile, err)
		}
	} else {
		k, err := NewKey()
		if err != nil {
			return nil, fmt.Errorf("ensure service-account key: %w", err)
		}
		keyPEM, err := EncodeKeyPEM(k)
		if err != nil {
			return nil, fmt.Errorf("ensure service-account key: %w", err)
		}
		if err := writeFileAtomic(keyFile, keyPEM, 0o600); err != nil {
			return nil, fmt.Errorf("ensure service-account key: %w", err)
		}
		key = k
	}

	if data, err := os.ReadFile(pubFile); err == nil {
		if pub, err := ParsePublicKeyPEM(data); err == nil && publicKeysEqual(key.Public(), pub) {
			return key, nil
		}
	} else if !os.IsNotExist(err) {
		return nil, fmt.Errorf("ensure service-account public key: %w", err)
	}
	pubPEM, err := EncodePublicKeyPEM(key.Public())
	if err != nil {
		return nil, fmt.Errorf("ensure service-account public key: %w", err)
	}
	if err := writeFileAtomic(pubFile, pubPEM, 0o644); err != nil {
		return nil, fmt.Errorf("ensure service-account public key: %w", err)
	}
	return key, nil
}
