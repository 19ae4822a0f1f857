package storage_test

import (
	"context"
	"crypto/tls"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/berth-dev/berth/internal/pki"
	"github.com/berth-dev/berth/internal/storage"
)

// A member started with TLS serves its own client and refuses clients
// without a certificate from the CA.
func TestEmbeddedTLSRequiresClientCertificates(t *testing.T) {
	ca, err := pki.NewCA("test-ca", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ca.Etcd(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e, err := storage.StartEmbedded(t.Context(), storage.EmbedConfig{DataDir: t.TempDir(), AutoCompaction: -1,
		TLS: &storage.EmbedTLS{CertFile: m.CertFile, KeyFile: m.KeyFile, ClientCAFile: m.CAFile, Client: m.Client}})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	defer e.Close()
	s := storage.NewEtcdStore(e.Client())
	if _, err := s.Create(t.Context(), "/k", []byte("v")); err != nil {
		t.Fatalf("own client: %v", err)
	}
	anon, err := clientv3.New(clientv3.Config{Endpoints: []string{e.Endpoint()}, DialTimeout: 2 * time.Second,
		TLS: &tls.Config{RootCAs: ca.Pool()}})
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	defer anon.Close()
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	if _, err := anon.Get(ctx, "/k"); err == nil {
		t.Fatal("a client without a certificate read from the member")
	}
}
