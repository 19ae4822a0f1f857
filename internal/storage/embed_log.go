package storage

import (
	"context"
	"log/slog"
	"sort"
	"strings"
	"sync/atomic"

	"go.uber.org/zap/zapcore"
)

// slogCore is a zapcore.Core that hands etcd's zap records to slog, so the
// embedded member logs through the same handler as the rest of berth.
type slogCore struct {
	logger *slog.Logger
	min    zapcore.Level
	fields []zapcore.Field
	// quiet, once set, sends every record to debug (used while stopping).
	quiet *atomic.Bool
}

// benignWarnings are warnings an embedded single-member etcd always prints
// and that ask nothing of the operator: clients reach it in-process (so the
// shared port and simple auth tokens are moot).
var benignWarnings = map[string]bool{
	"Running http and grpc server on single port. This is not recommended for production.": true,
	"simple token is not cryptographically signed":                                         true,
}

func newSlogCore(logger *slog.Logger, min zapcore.Level) *slogCore {
	return &slogCore{logger: logger, min: min, quiet: new(atomic.Bool)}
}

func (c *slogCore) Enabled(l zapcore.Level) bool { return l >= c.min }

func (c *slogCore) With(fields []zapcore.Field) zapcore.Core {
	out := *c
	out.fields = append(append([]zapcore.Field(nil), c.fields...), fields...)
	return &out
}

func (c *slogCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c *slogCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	level := slogLevel(e.Level)
	if c.quiet.Load() || benignWarnings[e.Message] {
		level = slog.LevelDebug
	}
	if !c.logger.Enabled(context.Background(), level) {
		return nil
	}
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range c.fields {
		f.AddTo(enc)
	}
	for _, f := range fields {
		f.AddTo(enc)
	}
	// On a fresh data dir etcd's storage-version monitor can run before the
	// first raft term reaches the backend; it fails and retries on its next
	// tick. Not actionable, so not an error for the operator.
	if msg, _ := enc.Fields["error"].(string); strings.Contains(msg, "missing term information") {
		level = slog.LevelDebug
		if !c.logger.Enabled(context.Background(), level) {
			return nil
		}
	}
	keys := make([]string, 0, len(enc.Fields))
	for k := range enc.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	attrs := make([]slog.Attr, 0, len(keys)+1)
	if e.LoggerName != "" {
		attrs = append(attrs, slog.String("logger", e.LoggerName))
	}
	for _, k := range keys {
		attrs = append(attrs, slog.Any(k, enc.Fields[k]))
	}
	c.logger.LogAttrs(context.Background(), level, e.Message, attrs...)
	return nil
}

func (c *slogCore) Sync() error { return nil }

func slogLevel(l zapcore.Level) slog.Level {
	switch {
	case l >= zapcore.ErrorLevel:
		return slog.LevelError
	case l >= zapcore.WarnLevel:
		return slog.LevelWarn
	case l >= zapcore.InfoLevel:
		return slog.LevelInfo
	}
	return slog.LevelDebug
}
