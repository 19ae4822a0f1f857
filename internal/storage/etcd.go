package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// watchBuffer is the capacity of the channel returned by EtcdStore.Watch.
const watchBuffer = 100

// revisionProbeKey is read (count only) by CurrentRevision to learn the
// store's revision with a linearizable read. Any key would do.
const revisionProbeKey = "/"

// EtcdStore implements Store on an etcd v3 client. It is safe for concurrent
// use; it holds no state besides the client.
type EtcdStore struct {
	client *clientv3.Client // watches, progress, compaction
	kv     clientv3.KV      // reads and writes
}

var _ Store = (*EtcdStore)(nil)

// NewEtcdStore returns a Store backed by client. The caller keeps ownership
// of client and closes it after the store is no longer used.
func NewEtcdStore(client *clientv3.Client) *EtcdStore {
	return &EtcdStore{client: client, kv: client.KV}
}

// WithKV returns a copy of the store whose reads and writes go through kv
// (an embedded member's in-process client), while watches keep using the
// store's client.
func (s *EtcdStore) WithKV(kv clientv3.KV) *EtcdStore {
	return &EtcdStore{client: s.client, kv: kv}
}

// Get implements Store.
func (s *EtcdStore) Get(ctx context.Context, key string) (*KeyValue, error) {
	resp, err := s.kv.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("get %q: %w", key, mapError(err))
	}
	if len(resp.Kvs) == 0 {
		return nil, fmt.Errorf("get %q: %w", key, ErrNotFound)
	}
	return fromKV(resp.Kvs[0]), nil
}

// List implements Store. Remaining is computed from the range's count, which
// etcd reports for the whole range [start, end) regardless of the limit, so
// no second request is needed even when continuing from StartKey.
func (s *EtcdStore) List(ctx context.Context, prefix string, opts ListOptions) (*ListResult, error) {
	start := prefix
	if opts.StartKey != "" {
		if !strings.HasPrefix(opts.StartKey, prefix) {
			return nil, fmt.Errorf("list %q: start key %q is outside the prefix", prefix, opts.StartKey)
		}
		start = opts.StartKey
	}
	ops := []clientv3.OpOption{clientv3.WithRange(clientv3.GetPrefixRangeEnd(prefix))}
	if opts.Limit > 0 {
		ops = append(ops, clientv3.WithLimit(opts.Limit))
	}
	if opts.Revision > 0 {
		ops = append(ops, clientv3.WithRev(opts.Revision))
	}
	resp, err := s.kv.Get(ctx, start, ops...)
	if err != nil {
		return nil, fmt.Errorf("list %q: %w", prefix, mapError(err))
	}
	out := &ListResult{
		KVs:      make([]*KeyValue, len(resp.Kvs)),
		Revision: resp.Header.Revision,
		More:     resp.More,
	}
	if opts.Revision > 0 {
		out.Revision = opts.Revision
	}
	for i, kv := range resp.Kvs {
		out.KVs[i] = fromKV(kv)
	}
	if resp.More {
		out.Remaining = resp.Count - int64(len(resp.Kvs))
	}
	return out, nil
}

// Count implements Store.
func (s *EtcdStore) Count(ctx context.Context, prefix string) (int64, error) {
	resp, err := s.kv.Get(ctx, prefix,
		clientv3.WithRange(clientv3.GetPrefixRangeEnd(prefix)), clientv3.WithCountOnly())
	if err != nil {
		return 0, fmt.Errorf("count %q: %w", prefix, mapError(err))
	}
	return resp.Count, nil
}

// Create implements Store.
func (s *EtcdStore) Create(ctx context.Context, key string, value []byte) (int64, error) {
	resp, err := s.kv.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, string(value))).
		Commit()
	if err != nil {
		return 0, fmt.Errorf("create %q: %w", key, mapError(err))
	}
	if !resp.Succeeded {
		return 0, fmt.Errorf("create %q: %w", key, ErrExists)
	}
	return resp.Header.Revision, nil
}

// OptimisticPut implements Store. An expectedRevision of 0 matches a missing
// key, so OptimisticPut(key, v, 0) creates key when it is absent.
func (s *EtcdStore) OptimisticPut(ctx context.Context, key string, value []byte, expectedRevision int64) (int64, *KeyValue, error) {
	resp, err := s.kv.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(key), "=", expectedRevision)).
		Then(clientv3.OpPut(key, string(value))).
		Else(clientv3.OpGet(key)).
		Commit()
	if err != nil {
		return 0, nil, fmt.Errorf("update %q: %w", key, mapError(err))
	}
	if !resp.Succeeded {
		return 0, currentFromElse(resp), fmt.Errorf("update %q at revision %d: %w", key, expectedRevision, ErrConflict)
	}
	return resp.Header.Revision, nil, nil
}

// OptimisticDelete implements Store.
func (s *EtcdStore) OptimisticDelete(ctx context.Context, key string, expectedRevision int64) (int64, *KeyValue, error) {
	resp, err := s.kv.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(key), "=", expectedRevision)).
		Then(clientv3.OpDelete(key)).
		Else(clientv3.OpGet(key)).
		Commit()
	if err != nil {
		return 0, nil, fmt.Errorf("delete %q: %w", key, mapError(err))
	}
	if !resp.Succeeded {
		cur := currentFromElse(resp)
		if cur == nil {
			return 0, nil, fmt.Errorf("delete %q: %w", key, ErrNotFound)
		}
		return 0, cur, fmt.Errorf("delete %q at revision %d: %w", key, expectedRevision, ErrConflict)
	}
	// expectedRevision 0 matches a missing key; nothing was deleted then.
	if len(resp.Responses) == 0 || resp.Responses[0].GetResponseDeleteRange().GetDeleted() == 0 {
		return 0, nil, fmt.Errorf("delete %q: %w", key, ErrNotFound)
	}
	return resp.Header.Revision, nil, nil
}

// Watch implements Store. It asks etcd for previous values and progress
// notifications; the returned channel holds up to 100 undelivered events.
func (s *EtcdStore) Watch(ctx context.Context, prefix string, fromRevision int64) <-chan Event {
	out := make(chan Event, watchBuffer)
	ctx, cancel := context.WithCancel(ctx)
	ops := []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithPrevKV(), clientv3.WithProgressNotify()}
	if fromRevision > 0 {
		ops = append(ops, clientv3.WithRev(fromRevision+1))
	}
	wc := s.client.Watch(ctx, prefix, ops...)
	go func() {
		defer close(out)
		defer cancel()
		send := func(ev Event) bool {
			select {
			case out <- ev:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for resp := range wc {
			if err := resp.Err(); err != nil {
				if resp.CompactRevision != 0 {
					err = fmt.Errorf("watch %q from revision %d: %w (compacted at %d)", prefix, fromRevision, ErrCompacted, resp.CompactRevision)
				} else {
					err = fmt.Errorf("watch %q: %w", prefix, mapError(err))
				}
				send(Event{Err: err})
				return
			}
			if resp.IsProgressNotify() {
				if !send(Event{Type: EventProgress, Revision: resp.Header.Revision}) {
					return
				}
				continue
			}
			for _, ev := range resp.Events {
				if !send(fromEvent(ev)) {
					return
				}
			}
		}
		if ctx.Err() == nil {
			// The client closed the stream without telling why (client closed).
			send(Event{Err: fmt.Errorf("watch %q: %w", prefix, errWatchClosed)})
		}
	}()
	return out
}

var errWatchClosed = errors.New("watch channel closed by the etcd client")

// RequestProgress implements Store.
func (s *EtcdStore) RequestProgress(ctx context.Context) error {
	if err := s.client.RequestProgress(ctx); err != nil {
		return fmt.Errorf("request watch progress: %w", mapError(err))
	}
	return nil
}

// CurrentRevision implements Store with a linearizable count-only read.
func (s *EtcdStore) CurrentRevision(ctx context.Context) (int64, error) {
	resp, err := s.kv.Get(ctx, revisionProbeKey, clientv3.WithCountOnly())
	if err != nil {
		return 0, fmt.Errorf("current revision: %w", mapError(err))
	}
	return resp.Header.Revision, nil
}

// Compact implements Store.
func (s *EtcdStore) Compact(ctx context.Context, revision int64) error {
	if _, err := s.client.Compact(ctx, revision); err != nil {
		return fmt.Errorf("compact at %d: %w", revision, mapError(err))
	}
	return nil
}

// mapError classifies etcd errors as this package's sentinels, keeping the
// original in the chain.
func mapError(err error) error {
	switch {
	case errors.Is(err, rpctypes.ErrCompacted), errors.Is(err, rpctypes.ErrGRPCCompacted):
		return fmt.Errorf("%w: %w", ErrCompacted, err)
	case errors.Is(err, rpctypes.ErrFutureRev), errors.Is(err, rpctypes.ErrGRPCFutureRev):
		return fmt.Errorf("%w: %w", ErrFutureRevision, err)
	}
	return err
}

func currentFromElse(resp *clientv3.TxnResponse) *KeyValue {
	if len(resp.Responses) == 0 {
		return nil
	}
	kvs := resp.Responses[0].GetResponseRange().GetKvs()
	if len(kvs) == 0 {
		return nil
	}
	return fromKV(kvs[0])
}

func fromKV(kv *mvccpb.KeyValue) *KeyValue {
	if kv == nil {
		return nil
	}
	return &KeyValue{
		Key:            string(kv.Key),
		Value:          kv.Value,
		CreateRevision: kv.CreateRevision,
		ModRevision:    kv.ModRevision,
	}
}

func fromEvent(ev *clientv3.Event) Event {
	out := Event{Revision: ev.Kv.ModRevision, PrevKV: fromKV(ev.PrevKv)}
	if ev.Type == clientv3.EventTypeDelete {
		out.Type = EventDelete
		out.KV = &KeyValue{Key: string(ev.Kv.Key), ModRevision: ev.Kv.ModRevision}
		return out
	}
	out.Type = EventPut
	out.KV = fromKV(ev.Kv)
	return out
}
