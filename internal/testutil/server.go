package testutil

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	"github.com/berth-dev/berth/internal/app"
)

// Server is an in-process berth server on embedded etcd in a temp dir,
// listening on a loopback port.
type Server struct {
	URL        string
	Kubeconfig string
	DataDir    string
	app        *app.Server
	stop       context.CancelFunc
	done       chan error
}

// StartServer starts a server and waits until /readyz answers ok. It is
// stopped when the test ends.
func StartServer(tb testing.TB) *Server {
	tb.Helper()
	dir := tb.TempDir()
	return StartServerIn(tb, dir)
}

// Options select what an in-process server runs.
type Options struct {
	// Controllers is the --controllers list; nil means all ("*"), an empty
	// non-nil slice none.
	Controllers []string
}

// StartServerWith starts a server in a temp dir with opts.
func StartServerWith(tb testing.TB, opts Options) *Server {
	tb.Helper()
	return startServer(tb, tb.TempDir(), opts)
}

// StartServerIn starts a server on an existing data dir (restart tests).
func StartServerIn(tb testing.TB, dir string) *Server {
	tb.Helper()
	return startServer(tb, dir, Options{})
}

func startServer(tb testing.TB, dir string, opts Options) *Server {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("BERTH_TEST_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	klog.SetSlogLogger(logger) // client-go's leader election logs through klog
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := app.NewServer(ctx, app.ServerConfig{DataDir: dir, Listener: ln, DisableAgent: true, Controllers: opts.Controllers, Logger: logger})
	if err != nil {
		cancel()
		tb.Fatalf("new server: %v", err)
	}
	s := &Server{URL: srv.URL(), Kubeconfig: srv.KubeconfigPath(), DataDir: dir, app: srv, stop: cancel, done: make(chan error, 1)}
	go func() { s.done <- srv.Start(ctx) }()
	tb.Cleanup(s.Stop)
	if err := waitReady(s.URL, 30*time.Second); err != nil {
		tb.Fatalf("server not ready: %v", err)
	}
	return s
}

// Stop shuts the server down and waits for it (idempotent).
func (s *Server) Stop() {
	if s.stop == nil {
		return
	}
	s.stop()
	s.stop = nil
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
	}
}

// Compact discards the storage history before the current revision, so
// continue tokens and watches from older resourceVersions expire. It
// returns the revision compacted at.
func (s *Server) Compact(ctx context.Context) (int64, error) {
	rev, err := s.app.Storage().CurrentRevision(ctx)
	if err != nil {
		return 0, fmt.Errorf("compact: current revision: %w", err)
	}
	if err := s.app.Storage().Compact(ctx, rev); err != nil {
		return 0, fmt.Errorf("compact at %d: %w", rev, err)
	}
	return rev, nil
}

func waitReady(url string, timeout time.Duration) error {
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		resp, err := c.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = &httpStatusError{resp.StatusCode}
		} else {
			last = err
		}
		time.Sleep(20 * time.Millisecond)
	}
	return last
}

type httpStatusError struct{ code int }

func (e *httpStatusError) Error() string { return http.StatusText(e.code) }

// RESTConfig is an admin client configuration for the server.
func (s *Server) RESTConfig(tb testing.TB) *rest.Config {
	tb.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", s.Kubeconfig)
	if err != nil {
		tb.Fatalf("load kubeconfig: %v", err)
	}
	cfg.QPS, cfg.Burst = 1000, 2000
	return cfg
}

// Client is an admin clientset (JSON).
func (s *Server) Client(tb testing.TB) kubernetes.Interface {
	tb.Helper()
	return kubernetes.NewForConfigOrDie(s.RESTConfig(tb))
}

// ProtobufClient is an admin clientset speaking protobuf.
func (s *Server) ProtobufClient(tb testing.TB) kubernetes.Interface {
	tb.Helper()
	cfg := s.RESTConfig(tb)
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	return kubernetes.NewForConfigOrDie(cfg)
}
