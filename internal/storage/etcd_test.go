package storage_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/internal/storage"
	"github.com/berth-dev/berth/internal/storage/storagetest"
)

// dataDir is a fresh directory etcd may create with its preferred 0700.
func dataDir(t testing.TB) string { return filepath.Join(t.TempDir(), "etcd") }

func startEmbedded(t testing.TB) *storage.Embedded {
	t.Helper()
	e, err := storage.StartEmbedded(t.Context(), storage.EmbedConfig{DataDir: dataDir(t), AutoCompaction: -1})
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return e
}

func TestEtcdStore(t *testing.T) {
	e := startEmbedded(t)
	store := storage.NewEtcdStore(e.Client())
	storagetest.RunSuite(t, func(t *testing.T) storage.Store { return store })
}

// The embedded member's store: in-process reads and writes, loopback
// watches.
func TestEmbeddedStore(t *testing.T) {
	e := startEmbedded(t)
	store := e.Store()
	storagetest.RunSuite(t, func(t *testing.T) storage.Store { return store })
}

func TestEmbeddedRestartKeepsData(t *testing.T) {
	dir := dataDir(t)
	cfg := storage.EmbedConfig{DataDir: dir}
	e, err := storage.StartEmbedded(t.Context(), cfg)
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	if e.Endpoint() == "" {
		t.Error("Endpoint is empty")
	}
	if _, err := storage.NewEtcdStore(e.Client()).Create(t.Context(), "/k", []byte("v")); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	e, err = storage.StartEmbedded(t.Context(), cfg)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	defer e.Close()
	kv, err := storage.NewEtcdStore(e.Client()).Get(t.Context(), "/k")
	if err != nil || string(kv.Value) != "v" {
		t.Fatalf("Get after restart = %v, %v; want v", kv, err)
	}
}

func TestEmbeddedTwoInstances(t *testing.T) {
	a, b := startEmbedded(t), startEmbedded(t)
	if a.Endpoint() == b.Endpoint() {
		t.Fatalf("both instances on %s", a.Endpoint())
	}
}

func TestStartEmbeddedCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := storage.StartEmbedded(ctx, storage.EmbedConfig{DataDir: dataDir(t)}); err == nil {
		t.Fatal("StartEmbedded with a canceled context succeeded")
	}
}

func BenchmarkStartEmbedded(b *testing.B) {
	for b.Loop() {
		e, err := storage.StartEmbedded(b.Context(), storage.EmbedConfig{DataDir: dataDir(b)})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		e.Close()
		b.StartTimer()
	}
}
