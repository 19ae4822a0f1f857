package cacher

// history is a ring of the most recent changes, for resuming watches.
type history struct {
	buf   []*change
	start int // index of the oldest change
	n     int
	// since is the revision after which every change is retained: a watch
	// from any revision >= since can be resumed from the ring.
	since int64
}

func newHistory(size int) history {
	return history{buf: make([]*change, size)}
}

func (h *history) reset(rev int64) {
	clear(h.buf)
	h.start, h.n, h.since = 0, 0, rev
}

func (h *history) add(ch *change) {
	if h.n == len(h.buf) {
		h.since = h.buf[h.start].rev
		h.buf[h.start] = nil
		h.start = (h.start + 1) % len(h.buf)
		h.n--
	}
	h.buf[(h.start+h.n)%len(h.buf)] = ch
	h.n++
}

// after returns the retained changes with revision > rev whose key has
// prefix; ok is false when some of them are no longer retained.
func (h *history) after(rev int64, match func(*change) bool) (out []*change, ok bool) {
	if rev < h.since {
		return nil, false
	}
	for i := range h.n {
		ch := h.buf[(h.start+i)%len(h.buf)]
		if ch.rev > rev && match(ch) {
			out = append(out, ch)
		}
	}
	return out, true
}
