package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	clientv3 "go.etcd.io/etcd/client/v3"
	"golang.org/x/sync/errgroup"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/berth-dev/berth/internal/admission"
	"github.com/berth-dev/berth/internal/apiserver"
	"github.com/berth-dev/berth/internal/apiserver/authn"
	"github.com/berth-dev/berth/internal/controller"
	"github.com/berth-dev/berth/internal/pki"
	"github.com/berth-dev/berth/internal/registry"
	"github.com/berth-dev/berth/internal/storage"
)

// ServerConfig is what `berth server` takes.
type ServerConfig struct {
	DataDir string
	// EtcdServers, when set, names an external etcd cluster; otherwise etcd
	// runs embedded with its data under DataDir.
	EtcdServers   []string
	BindAddress   string
	SecurePort    int
	ServiceCIDR   string
	NodePortRange string
	DisableAgent  bool
	// Controllers selects controllers as upstream's --controllers ("*",
	// "name", "-name"); nil means all.
	Controllers []string
	// ControllerWorkers overrides worker counts per controller name.
	ControllerWorkers map[string]int
	// Listener overrides BindAddress/SecurePort (tests pass 127.0.0.1:0).
	Listener net.Listener
	Logger   *slog.Logger
}

// Defaults for ServerConfig.
const (
	DefaultDataDir       = "/var/lib/berth"
	DefaultSecurePort    = 6443
	DefaultServiceCIDR   = "10.43.0.0/16"
	DefaultNodePortRange = "30000-32767"
)

// Server is a running control plane.
type Server struct {
	cfg        ServerConfig
	log        *slog.Logger
	pki        *pki.ServerPKI
	etcd       *storage.Embedded
	client     *clientv3.Client
	store      storage.Store
	registry   *registry.Registry
	alloc      *admission.ServiceAllocator
	api        *apiserver.Server
	listener   net.Listener
	kubeconfig string
	lock       *os.File
}

// NewServer prepares certificates, storage and the API server. Start runs it.
func NewServer(ctx context.Context, cfg ServerConfig) (*Server, error) {
	if cfg.DataDir == "" {
		cfg.DataDir = DefaultDataDir
	}
	if cfg.SecurePort == 0 {
		cfg.SecurePort = DefaultSecurePort
	}
	if cfg.ServiceCIDR == "" {
		cfg.ServiceCIDR = DefaultServiceCIDR
	}
	if cfg.NodePortRange == "" {
		cfg.NodePortRange = DefaultNodePortRange
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := controller.Validate(cfg.Controllers, cfg.ControllerWorkers); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s := &Server{cfg: cfg, log: cfg.Logger}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("server: data dir: %w", err)
	}
	lock, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	s.lock = lock
	alloc, err := admission.NewServiceAllocator(nil, cfg.ServiceCIDR, cfg.NodePortRange)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.pki, err = pki.EnsureServerPKI(filepath.Join(cfg.DataDir, "tls"), pki.ServerPKIOptions{ServiceIP: alloc.FirstIP()})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	if err := s.openStorage(ctx); err != nil {
		return nil, err
	}
	if s.alloc, err = admission.NewServiceAllocator(s.store, cfg.ServiceCIDR, cfg.NodePortRange); err != nil {
		return nil, err
	}
	adm := admission.New(s.alloc)
	if s.registry, err = registry.New(registry.Config{Storage: s.store, Hooks: adm.Hooks(), Logger: cfg.Logger}); err != nil {
		s.closeStorage()
		return nil, fmt.Errorf("server: %w", err)
	}
	adm.SetRegistry(s.registry)

	s.listener = cfg.Listener
	if s.listener == nil {
		s.listener, err = net.Listen("tcp", net.JoinHostPort(cfg.BindAddress, strconv.Itoa(cfg.SecurePort)))
		if err != nil {
			s.closeStorage()
			return nil, fmt.Errorf("server: listen: %w", err)
		}
	}
	s.api, err = apiserver.New(apiserver.Config{
		Registry:      s.registry,
		Authenticator: authn.NewX509(s.pki.ClientCAPool),
		ServingCert:   &s.pki.ServingCert,
		ClientCAs:     s.pki.ClientCAPool,
		Listener:      s.listener,
		Ready:         s.etcdReady,
		Metrics:       []prometheus.Gatherer{controller.Metrics()},
		Logger:        cfg.Logger,
	})
	if err != nil {
		s.listener.Close()
		s.closeStorage()
		return nil, fmt.Errorf("server: %w", err)
	}
	s.kubeconfig = filepath.Join(cfg.DataDir, "admin.kubeconfig")
	if err := pki.WriteKubeconfig(s.kubeconfig, pki.KubeconfigSpec{
		Server: "https://" + advertiseAddr(s.listener.Addr()), CAPEM: s.pki.CA.CertPEM,
		CertPEM: s.pki.AdminCertPEM, KeyPEM: s.pki.AdminKeyPEM,
	}); err != nil {
		s.listener.Close()
		s.closeStorage()
		return nil, fmt.Errorf("server: %w", err)
	}
	return s, nil
}

// advertiseAddr is how local clients reach the listener.
func advertiseAddr(a net.Addr) string {
	host, port, _ := net.SplitHostPort(a.String())
	ip := net.ParseIP(host)
	if ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

func (s *Server) openStorage(ctx context.Context) error {
	if len(s.cfg.EtcdServers) > 0 {
		c, err := clientv3.New(clientv3.Config{Endpoints: s.cfg.EtcdServers, DialTimeout: 5 * time.Second, Context: ctx})
		if err != nil {
			return fmt.Errorf("server: connect etcd: %w", err)
		}
		s.client = c
	} else {
		// The member listens on loopback, behind client certificates from the
		// cluster CA: other local users cannot bypass the API server.
		m, err := s.pki.CA.Etcd(filepath.Join(s.cfg.DataDir, "tls", "etcd"))
		if err != nil {
			return fmt.Errorf("server: %w", err)
		}
		e, err := storage.StartEmbedded(ctx, storage.EmbedConfig{DataDir: filepath.Join(s.cfg.DataDir, "etcd"), Logger: s.log,
			TLS: &storage.EmbedTLS{CertFile: m.CertFile, KeyFile: m.KeyFile, ClientCAFile: m.CAFile, Client: m.Client}})
		if err != nil {
			return fmt.Errorf("server: %w", err)
		}
		s.etcd, s.client = e, e.Client()
		s.store = e.Store()
		return nil
	}
	s.store = storage.NewEtcdStore(s.client)
	return nil
}

func (s *Server) closeStorage() {
	if s.lock != nil {
		defer s.lock.Close()
	}
	if s.etcd != nil {
		_ = s.etcd.Close()
	} else if s.client != nil {
		_ = s.client.Close()
	}
}

func (s *Server) etcdReady(ctx context.Context) error {
	_, err := s.store.CurrentRevision(ctx)
	return err
}

// Storage is the store the registry writes to (tests compact through it).
func (s *Server) Storage() storage.Store { return s.store }

// KubeconfigPath is the admin kubeconfig written at start.
func (s *Server) KubeconfigPath() string { return s.kubeconfig }

// URL is the API server's https address.
func (s *Server) URL() string { return "https://" + advertiseAddr(s.listener.Addr()) }

// Start runs everything until ctx is done; storage is closed on return.
// At shutdown the controllers stop first (releasing their lease through
// the still-running API server), then the API server.
func (s *Server) Start(ctx context.Context) error {
	defer s.closeStorage()
	serveCtx, stopServing := context.WithCancel(context.WithoutCancel(ctx))
	defer stopServing()
	g, gctx := errgroup.WithContext(serveCtx)
	g.Go(func() error { return s.registry.Start(gctx) })
	g.Go(func() error { return s.api.Start(gctx) })
	g.Go(func() error {
		defer stopServing()
		ctrlCtx, cancel := context.WithCancel(gctx)
		defer cancel()
		stop := context.AfterFunc(ctx, cancel)
		defer stop()
		if err := s.registry.WaitReady(ctrlCtx); err != nil {
			return nil // shutting down
		}
		if err := bootstrap(ctrlCtx, s.registry, s.alloc, s.listener.Addr()); err != nil {
			if ctrlCtx.Err() != nil {
				return nil
			}
			return fmt.Errorf("server: bootstrap: %w", err)
		}
		s.api.SetReady(true)
		s.log.Info("berth server ready", "url", s.URL(), "kubeconfig", s.kubeconfig)
		if err := s.runControllers(ctrlCtx); err != nil && ctrlCtx.Err() == nil {
			return err
		}
		<-ctrlCtx.Done()
		return nil
	})
	err := g.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// runControllers runs the controller manager against this server, as any
// client would: over HTTPS with a kubeconfig, leader-elected so several
// servers on one etcd run one set of controllers.
func (s *Server) runControllers(ctx context.Context) error {
	enabled := s.cfg.Controllers
	if enabled == nil {
		enabled = []string{"*"}
	}
	rc, err := clientcmd.BuildConfigFromFlags("", s.kubeconfig)
	if err != nil {
		return fmt.Errorf("server: controllers: %w", err)
	}
	return controller.Run(ctx, controller.Config{RESTConfig: rc, Enabled: enabled, Workers: s.cfg.ControllerWorkers, LeaderElection: true, Logger: s.log})
}

// lockDataDir takes an exclusive lock on the data dir so a second server on
// the same directory fails at once instead of waiting on etcd's files.
func lockDataDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("server: lock data dir: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("server: data dir %s is in use by another berth server", dir)
	}
	return f, nil
}
