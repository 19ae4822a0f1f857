package queue

import (
	"container/heap"

	"k8s.io/apimachinery/pkg/types"
)

// podHeap is a priority queue of pods keyed by UID, with O(log n) push, pop,
// update and delete.
type podHeap struct {
	items []*QueuedPodInfo
	index map[types.UID]int
	less  LessFunc
}

func newPodHeap(less LessFunc) *podHeap {
	return &podHeap{index: map[types.UID]int{}, less: less}
}

// heap.Interface, used only through the methods below.
type heapImpl podHeap

func (h *heapImpl) Len() int           { return len(h.items) }
func (h *heapImpl) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }
func (h *heapImpl) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.index[h.items[i].Pod.UID] = i
	h.index[h.items[j].Pod.UID] = j
}
func (h *heapImpl) Push(x any) {
	p := x.(*QueuedPodInfo)
	h.index[p.Pod.UID] = len(h.items)
	h.items = append(h.items, p)
}
func (h *heapImpl) Pop() any {
	n := len(h.items) - 1
	p := h.items[n]
	h.items[n] = nil
	h.items = h.items[:n]
	delete(h.index, p.Pod.UID)
	return p
}

func (h *podHeap) len() int { return len(h.items) }

func (h *podHeap) get(uid types.UID) *QueuedPodInfo {
	if i, ok := h.index[uid]; ok {
		return h.items[i]
	}
	return nil
}

// addOrUpdate inserts p, or replaces the entry with the same UID.
func (h *podHeap) addOrUpdate(p *QueuedPodInfo) {
	if i, ok := h.index[p.Pod.UID]; ok {
		h.items[i] = p
		heap.Fix((*heapImpl)(h), i)
		return
	}
	heap.Push((*heapImpl)(h), p)
}

func (h *podHeap) delete(uid types.UID) *QueuedPodInfo {
	i, ok := h.index[uid]
	if !ok {
		return nil
	}
	return heap.Remove((*heapImpl)(h), i).(*QueuedPodInfo)
}

func (h *podHeap) peek() *QueuedPodInfo {
	if len(h.items) == 0 {
		return nil
	}
	return h.items[0]
}

func (h *podHeap) pop() *QueuedPodInfo {
	if len(h.items) == 0 {
		return nil
	}
	return heap.Pop((*heapImpl)(h)).(*QueuedPodInfo)
}

func (h *podHeap) list() []*QueuedPodInfo {
	return append([]*QueuedPodInfo(nil), h.items...)
}
