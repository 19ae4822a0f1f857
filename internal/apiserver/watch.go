package apiserver

import (
	"bytes"
	"context"
	"encoding/binary"
	"math/rand/v2"
	"net/http"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/berth-dev/berth/internal/storage/cacher"
)

// minWatchTimeout is upstream's --min-request-timeout: watches without a
// timeoutSeconds end after a random time between it and twice it.
const minWatchTimeout = 1800 * time.Second

func (s *Server) watch(req *request) {
	neg, err := negotiate(req.r, true)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	opts, err := listOptions(req.r)
	if err != nil {
		writeError(req.w, req.r, err)
		return
	}
	if req.info.Name != "" {
		opts.FieldSelector = joinSelectors(opts.FieldSelector, "metadata.name="+req.info.Name)
	}
	timeout := minWatchTimeout + time.Duration(rand.Int64N(int64(minWatchTimeout)))
	if opts.TimeoutSeconds != nil {
		timeout = time.Duration(*opts.TimeoutSeconds) * time.Second
	}
	ctx, cancel := context.WithTimeout(req.r.Context(), timeout)
	defer cancel()
	w, err := req.store.Watch(ctx, req.info.Namespace, opts)
	var first *cacher.Event
	if err != nil {
		// Errors after the request was accepted travel as an ERROR event,
		// as upstream's watch cache does (410 Expired for an old version).
		if st := toStatus(err); st.Code == http.StatusGone {
			first = &cacher.Event{Type: watch.Error, Object: st}
		} else {
			writeError(req.w, req.r, err)
			return
		}
	}
	if w != nil {
		defer w.Stop()
	}
	s.metrics.watchers.WithLabelValues(req.res.Group, req.res.Version, req.res.Resource).Inc()
	defer s.metrics.watchers.WithLabelValues(req.res.Group, req.res.Version, req.res.Resource).Dec()

	ew := &eventWriter{s: s, req: req, neg: neg, flusher: flusherOf(req.w)}
	ct := neg.codec.streamMediaType
	switch neg.output {
	case outTable:
		ct += ";as=Table;v=" + neg.metaVersion + ";g=meta.k8s.io"
	case outPartial:
		ct += ";as=PartialObjectMetadata;v=" + neg.metaVersion + ";g=meta.k8s.io"
	}
	req.w.Header().Set("Content-Type", ct)
	req.w.Header().Set("Cache-Control", "no-cache, private")
	req.w.WriteHeader(http.StatusOK)
	ew.flush()
	if first != nil {
		_ = ew.write(*first)
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.ResultChan():
			if !ok {
				return
			}
			if err := ew.write(ev); err != nil {
				return
			}
		}
	}
}

func joinSelectors(a, b string) string {
	if a == "" {
		return b
	}
	return a + "," + b
}

// eventWriter frames watch events in the negotiated format: JSON objects
// one per line, or length-prefixed protobuf WatchEvents.
type eventWriter struct {
	s       *Server
	req     *request
	neg     negotiated
	flusher http.Flusher
	tabled  bool // the first Table (with columns) has been sent
	buf     bytes.Buffer
}

func (e *eventWriter) write(ev cacher.Event) error {
	obj := ev.Object
	if ev.Type != watch.Error {
		var err error
		if obj, err = e.transform(ev.Type, obj); err != nil {
			obj, ev.Type = toStatus(err), watch.Error
		}
	}
	e.buf.Reset()
	if err := e.neg.codec.encoder.Encode(obj, &e.buf); err != nil {
		return err
	}
	raw := bytes.TrimRight(e.buf.Bytes(), "\n")
	if e.neg.codec == codecProtobuf {
		we := &metav1.WatchEvent{Type: string(ev.Type), Object: runtime.RawExtension{Raw: raw}}
		var frame bytes.Buffer
		if err := protoRaw.Encode(we, &frame); err != nil {
			return err
		}
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(frame.Len()))
		if _, err := e.req.w.Write(n[:]); err != nil {
			return err
		}
		if _, err := e.req.w.Write(frame.Bytes()); err != nil {
			return err
		}
	} else {
		var line bytes.Buffer
		line.Grow(len(raw) + 32)
		line.WriteString(`{"type":"`)
		line.WriteString(string(ev.Type))
		line.WriteString(`","object":`)
		line.Write(raw)
		line.WriteString("}\n")
		if _, err := e.req.w.Write(line.Bytes()); err != nil {
			return err
		}
	}
	e.flush()
	return nil
}

func (e *eventWriter) transform(typ watch.EventType, obj runtime.Object) (runtime.Object, error) {
	switch e.neg.output {
	case outTable:
		if typ == watch.Bookmark {
			t := &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{}, Rows: []metav1.TableRow{}}
			t.APIVersion, t.Kind = "meta.k8s.io/v1", "Table"
			if m, err := meta.Accessor(obj); err == nil {
				t.ResourceVersion = m.GetResourceVersion()
			}
			return t, nil
		}
		t, err := e.s.toTable(e.req, obj, !e.tabled)
		e.tabled = true
		return t, err
	case outPartial:
		return toPartial(obj, e.neg.metaVersion)
	}
	return e.req.fromStorage(obj)
}

func (e *eventWriter) flush() {
	if e.flusher != nil {
		e.flusher.Flush()
	}
}

func flusherOf(w http.ResponseWriter) http.Flusher {
	f, _ := w.(http.Flusher)
	return f
}
