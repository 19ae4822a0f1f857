package apiserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/clock"

	"github.com/berth-dev/berth/internal/apiserver/authn"
	"github.com/berth-dev/berth/internal/apiserver/openapi"
	"github.com/berth-dev/berth/internal/printers"
	"github.com/berth-dev/berth/internal/registry"
)

// Config configures a Server.
type Config struct {
	Registry      *registry.Registry
	Authenticator authn.Authenticator
	// ServingCert and ClientCAs secure the listener; client certificates
	// are requested and verified against ClientCAs when given.
	ServingCert *tls.Certificate
	ClientCAs   *x509.CertPool
	// Listener, when set, is used instead of listening on BindAddress:Port.
	Listener    net.Listener
	BindAddress string
	Port        int
	// Ready reports whether dependencies (etcd) are healthy.
	Ready func(ctx context.Context) error
	// Metrics are further series served on /metrics next to the API
	// server's own (the in-process controllers' and scheduler's).
	Metrics []prometheus.Gatherer
	Clock   clock.Clock
	Logger  *slog.Logger
}

// Server is the API server. It is a Runnable: Start serves until the
// context ends.
type Server struct {
	cfg       Config
	clock     clock.Clock
	log       *slog.Logger
	stores    map[schema.GroupVersion]map[string]*registry.Store
	served    map[schema.GroupVersion]map[string]*registry.Resource
	printers  map[schema.GroupKind]printers.Printer
	discovery *discovery
	openapi   *openapi.Spec
	metrics   *metrics
	evictions *evictions
	handler   http.Handler
	ready     atomic.Bool
	addr      atomic.Value // string
}

// New builds the server and its precomputed documents.
func New(cfg Config) (*Server, error) {
	if cfg.Registry == nil {
		return nil, errors.New("apiserver: Registry is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, clock: cfg.Clock, log: cfg.Logger.With("component", "apiserver"),
		stores: map[schema.GroupVersion]map[string]*registry.Store{}, served: map[schema.GroupVersion]map[string]*registry.Resource{}, printers: printers.ForKinds(), metrics: newMetrics()}
	var oa []openapi.Resource
	for _, r := range cfg.Registry.Resources() {
		gv := r.GroupVersion()
		if s.stores[gv] == nil {
			s.stores[gv] = map[string]*registry.Store{}
			s.served[gv] = map[string]*registry.Resource{}
		}
		s.served[gv][r.Resource] = r
		s.stores[gv][r.Resource] = cfg.Registry.Store(r.GVR())
		oa = append(oa, openapiResource(r))
	}
	var err error
	if s.discovery, err = newDiscovery(cfg.Registry.Resources()); err != nil {
		return nil, err
	}
	if s.openapi, err = openapi.New(oa, apiScheme()); err != nil {
		return nil, fmt.Errorf("apiserver: openapi: %w", err)
	}
	s.evictions = &evictions{
		pods:  cfg.Registry.Store(schema.GroupVersionResource{Version: "v1", Resource: "pods"}),
		pdbs:  cfg.Registry.Store(schema.GroupVersionResource{Group: "policy", Version: "v1", Resource: "poddisruptionbudgets"}),
		clock: cfg.Clock,
	}
	s.handler = s.buildHandler()
	return s, nil
}

// Handler is the full HTTP handler (authentication included).
func (s *Server) Handler() http.Handler { return s.handler }

// Addr is the listening address once Start has bound it.
func (s *Server) Addr() string {
	a, _ := s.addr.Load().(string)
	return a
}

// SetReady marks the server ready (/readyz) once bootstrap is done.
func (s *Server) SetReady(ready bool) { s.ready.Store(ready) }

// Start listens and serves until ctx is done, then shuts down gracefully.
func (s *Server) Start(ctx context.Context) error {
	ln := s.cfg.Listener
	if ln == nil {
		var err error
		ln, err = net.Listen("tcp", net.JoinHostPort(s.cfg.BindAddress, strconv.Itoa(s.cfg.Port)))
		if err != nil {
			return fmt.Errorf("apiserver: listen: %w", err)
		}
	}
	s.addr.Store(ln.Addr().String())
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	if s.cfg.ServingCert != nil {
		srv.TLSConfig = &tls.Config{
			Certificates: []tls.Certificate{*s.cfg.ServingCert},
			ClientCAs:    s.cfg.ClientCAs,
			ClientAuth:   tls.VerifyClientCertIfGiven,
			MinVersion:   tls.VersionTLS12,
			NextProtos:   []string{"h2", "http/1.1"},
		}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("serving", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("apiserver: serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	return nil
}

func (s *Server) buildHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", s.health("healthz"))
	mux.HandleFunc("/livez", s.health("livez"))
	mux.HandleFunc("/readyz", s.health("readyz"))
	mux.HandleFunc("/version", s.version)
	public := mux

	api := http.NewServeMux()
	api.Handle("/metrics", promhttp.HandlerFor(append(prometheus.Gatherers{s.metrics.registry}, s.cfg.Metrics...), promhttp.HandlerOpts{}))
	api.Handle("/openapi/v2", s.openapi.V2())
	api.Handle("/openapi/v3", s.openapi.V3())
	api.Handle("/openapi/v3/", s.openapi.V3())
	api.HandleFunc("/", s.serveAPI)
	var protected http.Handler = api
	if s.cfg.Authenticator != nil {
		protected = authn.Middleware(s.cfg.Authenticator, api, func(w http.ResponseWriter, r *http.Request) {
			writeError(w, r, apierrors.NewUnauthorized("Unauthorized"))
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p)
				writeError(w, r, apierrors.NewInternalError(fmt.Errorf("%v", p)))
			}
		}()
		switch r.URL.Path {
		case "/healthz", "/livez", "/readyz", "/version":
			public.ServeHTTP(w, r)
			return
		}
		protected.ServeHTTP(w, r)
	})
}

// serveAPI serves discovery and resource paths.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	if s.discovery.serve(w, r) {
		return
	}
	info, ok := parseResourcePath(r)
	if !ok {
		writeError(w, r, notFoundPath())
		return
	}
	start := s.clock.Now()
	rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
	s.serveResource(rec, r, info)
	dry := r.URL.Query().Has("dryRun")
	s.metrics.observe(info, dry, rec.code, s.clock.Since(start).Seconds())
	if rec.err != nil {
		s.log.Error("request failed", "verb", info.Verb, "path", r.URL.Path, "code", rec.code, "err", rec.err)
	}
}

func notFoundPath() error {
	return statusError(http.StatusNotFound, metav1.StatusReasonNotFound, "the server could not find the requested resource")
}

// statusRecorder remembers the status code for metrics and passes
// flushes through for watches.
type statusRecorder struct {
	http.ResponseWriter
	code        int
	wroteHeader bool
	err         error // a server-side failure to log
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.code, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
