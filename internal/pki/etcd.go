package pki

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
)

// EtcdMaterial secures an embedded etcd member: files for the member and
// a TLS configuration for its client.
type EtcdMaterial struct {
	CertFile, KeyFile, CAFile string
	Client                    *tls.Config
}

// Etcd issues, on every start, a serving certificate for an etcd member on
// 127.0.0.1 (server and client usage, as its peer listener needs both) and
// a client certificate for the API server, both from ca, and writes the
// files the member reads under dir.
func (ca *CA) Etcd(dir string) (*EtcdMaterial, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("etcd certificates: %w", err)
	}
	both := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	certPEM, keyPEM, err := ca.Issue(CertRequest{CommonName: "berth-etcd", DNSNames: []string{"localhost"},
		IPs: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, Usages: both})
	if err != nil {
		return nil, fmt.Errorf("etcd serving certificate: %w", err)
	}
	m := &EtcdMaterial{
		CertFile: filepath.Join(dir, "etcd-server.crt"),
		KeyFile:  filepath.Join(dir, "etcd-server.key"),
		CAFile:   filepath.Join(dir, "etcd-ca.crt"),
	}
	for _, f := range []struct {
		path string
		data []byte
		mode os.FileMode
	}{{m.CertFile, certPEM, 0o644}, {m.KeyFile, keyPEM, 0o600}, {m.CAFile, ca.CertPEM, 0o644}} {
		if err := writeFileAtomic(f.path, f.data, f.mode); err != nil {
			return nil, fmt.Errorf("etcd certificates: %w", err)
		}
	}
	clientCert, clientKey, err := ca.Issue(CertRequest{CommonName: "berth-apiserver-etcd-client",
		Usages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		return nil, fmt.Errorf("etcd client certificate: %w", err)
	}
	pair, err := tls.X509KeyPair(clientCert, clientKey)
	if err != nil {
		return nil, fmt.Errorf("etcd client certificate: %w", err)
	}
	m.Client = &tls.Config{Certificates: []tls.Certificate{pair}, RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12}
	return m, nil
}
