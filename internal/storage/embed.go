package storage

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.etcd.io/etcd/server/v3/etcdserver/api/v3client"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Defaults applied by StartEmbedded.
const (
	DefaultAutoCompaction    = 5 * time.Minute
	DefaultQuotaBackendBytes = 8 << 30
	DefaultStartTimeout      = time.Minute
)

// EmbedConfig configures an embedded single-member etcd.
type EmbedConfig struct {
	// DataDir holds the member's WAL and database. Required. Restarting with
	// the same directory keeps the data.
	DataDir string
	// Logger receives etcd's warnings and errors; nil means slog.Default().
	Logger *slog.Logger
	// AutoCompaction is the retention window of periodic compaction; 0 means
	// DefaultAutoCompaction, a negative value turns auto-compaction off.
	AutoCompaction time.Duration
	// QuotaBackendBytes caps the database size; 0 means DefaultQuotaBackendBytes.
	QuotaBackendBytes int64
	// StartTimeout bounds the wait for the member to become ready; 0 means
	// DefaultStartTimeout.
	StartTimeout time.Duration
	// TLS, when set, secures the member's client and peer listeners: every
	// connection must present a certificate signed by TLS.ClientCAFile. The
	// member's own client uses TLS.Client. Without it the loopback
	// listeners are plain HTTP, fit for tests only.
	TLS *EmbedTLS
}

// EmbedTLS is the TLS material of an embedded member.
type EmbedTLS struct {
	// CertFile and KeyFile are the member's serving certificate (server and
	// client usage: the peer listener uses both), for 127.0.0.1.
	CertFile, KeyFile string
	// ClientCAFile verifies connecting clients and peers.
	ClientCAFile string
	// Client configures the member's own client: trusted roots and a client
	// certificate.
	Client *tls.Config
}

// Embedded is a running in-process etcd member.
type Embedded struct {
	etcd     *embed.Etcd
	core     *slogCore
	client   *clientv3.Client
	local    *clientv3.Client // in-process, for unary calls only
	endpoint string
}

// StartEmbedded starts a single-member etcd listening on free loopback ports
// and returns when it is ready to serve. fsync stays on. The caller must call
// Close. Several instances may run in one process if their DataDirs differ.
func StartEmbedded(ctx context.Context, cfg EmbedConfig) (*Embedded, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("start embedded etcd: DataDir is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.AutoCompaction == 0 {
		cfg.AutoCompaction = DefaultAutoCompaction
	}
	if cfg.QuotaBackendBytes == 0 {
		cfg.QuotaBackendBytes = DefaultQuotaBackendBytes
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = DefaultStartTimeout
	}
	// Ports are picked by binding :0 and closing; another process may grab
	// one in between, so a bind failure is retried with fresh ports.
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("start embedded etcd: %w", err)
	}
	core := newSlogCore(cfg.Logger.With("component", "etcd"), zapcore.WarnLevel)
	var lastErr error
	for range 3 {
		e, err := startEtcd(cfg, core)
		if err == nil {
			return waitReady(ctx, cfg, e, core)
		}
		lastErr = err
		var opErr *net.OpError
		if !errors.As(err, &opErr) {
			break
		}
	}
	return nil, fmt.Errorf("start embedded etcd in %q: %w", cfg.DataDir, lastErr)
}

func startEtcd(cfg EmbedConfig, core *slogCore) (*embed.Etcd, error) {
	peerURL, err := freeLoopbackURL()
	if err != nil {
		return nil, err
	}
	clientURL, err := freeLoopbackURL()
	if err != nil {
		return nil, err
	}
	ec := embed.NewConfig()
	ec.Name = "berth"
	ec.Dir = cfg.DataDir
	ec.ListenPeerUrls = []url.URL{*peerURL}
	ec.AdvertisePeerUrls = []url.URL{*peerURL}
	ec.ListenClientUrls = []url.URL{*clientURL}
	ec.AdvertiseClientUrls = []url.URL{*clientURL}
	if t := cfg.TLS; t != nil {
		info := transport.TLSInfo{CertFile: t.CertFile, KeyFile: t.KeyFile, TrustedCAFile: t.ClientCAFile, ClientCertAuth: true}
		ec.ClientTLSInfo, ec.PeerTLSInfo = info, info
		for _, u := range []*url.URL{peerURL, clientURL} {
			u.Scheme = "https"
		}
		ec.ListenPeerUrls = []url.URL{*peerURL}
		ec.AdvertisePeerUrls = []url.URL{*peerURL}
		ec.ListenClientUrls = []url.URL{*clientURL}
		ec.AdvertiseClientUrls = []url.URL{*clientURL}
	}
	ec.InitialCluster = ec.InitialClusterFromName(ec.Name)
	ec.EnableGRPCGateway = false
	ec.QuotaBackendBytes = cfg.QuotaBackendBytes
	if cfg.AutoCompaction > 0 {
		ec.AutoCompactionMode = embed.CompactorModePeriodic
		ec.AutoCompactionRetention = cfg.AutoCompaction.String()
	}
	ec.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.New(core))
	ec.LogLevel = "warn"
	// One member, no peers: raft's ticks only pace the first election, so
	// short ticks make the member ready in tens of milliseconds.
	ec.TickMs = 10
	ec.ElectionMs = 100
	return embed.StartEtcd(ec)
}

func waitReady(ctx context.Context, cfg EmbedConfig, e *embed.Etcd, core *slogCore) (*Embedded, error) {
	fail := func(err error) (*Embedded, error) {
		core.quiet.Store(true)
		e.Close()
		return nil, fmt.Errorf("start embedded etcd in %q: %w", cfg.DataDir, err)
	}
	timer := time.NewTimer(cfg.StartTimeout)
	defer timer.Stop()
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		return fail(err)
	case <-timer.C:
		return fail(fmt.Errorf("not ready after %s", cfg.StartTimeout))
	case <-ctx.Done():
		return fail(ctx.Err())
	}
	endpoint := e.Config().AdvertiseClientUrls[0].String()
	// A gRPC client over loopback, not the in-process v3client: the
	// in-process transport has no flow control, and cancelling many
	// watches at once (every cacher at shutdown) deadlocks its watch
	// stream (etcd-io/etcd#20716, #18879), so the server never exits.
	cc := clientv3.Config{
		Endpoints:   []string{endpoint},
		DialTimeout: cfg.StartTimeout,
		Logger:      zap.New(core),
	}
	if cfg.TLS != nil {
		cc.TLS = cfg.TLS.Client
	}
	client, err := clientv3.New(cc)
	if err != nil {
		return fail(err)
	}
	return &Embedded{etcd: e, core: core, client: client, local: v3client.New(e.Server), endpoint: endpoint}, nil
}

// Store returns the storage.Store of the member: reads and writes go
// through the in-process client (no network hop: a third more writes per
// second), watches through the loopback client, whose flow-controlled
// streams cancel cleanly at shutdown.
func (e *Embedded) Store() *EtcdStore { return NewEtcdStore(e.client).WithKV(e.local.KV) }

// Client returns a client of the member over loopback. It stays valid until
// Close; callers must not close it.
func (e *Embedded) Client() *clientv3.Client { return e.client }

// Endpoint returns the loopback client URL, for etcdctl and debugging.
func (e *Embedded) Endpoint() string { return e.endpoint }

// Close stops the member and releases its ports and data directory lock.
func (e *Embedded) Close() error {
	_ = e.local.Close()
	err := e.client.Close()
	// Shutting down makes every listener and stream report errors; they are
	// expected, so they go to debug.
	e.core.quiet.Store(true)
	e.etcd.Close()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

func freeLoopbackURL() (*url.URL, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("pick a free port: %w", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		return nil, fmt.Errorf("pick a free port: %w", err)
	}
	return &url.URL{Scheme: "http", Host: addr}, nil
}
