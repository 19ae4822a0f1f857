package framework

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// RunReservePluginsReserve runs Reserve in order and stops at the first
// failure. The caller must then run RunReservePluginsUnreserve.
func (f *Framework) RunReservePluginsReserve(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeName string) (status *Status) {
	start := f.clock.Now()
	defer func() { f.observePoint(reservePoint, start, status) }()
	for _, pl := range f.reserve {
		pstart := f.clock.Now()
		s := pl.Reserve(ctx, state, pod, nodeName)
		f.observePlugin(pl.Name(), reservePoint, pstart, s)
		if s.IsSuccess() {
			continue
		}
		if !s.IsRejected() {
			s = AsStatus(fmt.Errorf("running Reserve plugin %q: %w", pl.Name(), s.AsError()))
		}
		return s.WithPlugin(pl.Name())
	}
	return nil
}

// RunReservePluginsUnreserve runs Unreserve of every Reserve plugin in
// reverse order.
func (f *Framework) RunReservePluginsUnreserve(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeName string) {
	start := f.clock.Now()
	defer func() { f.observePoint(unreservePoint, start, nil) }()
	for _, pl := range slices.Backward(f.reserve) {
		pstart := f.clock.Now()
		pl.Unreserve(ctx, state, pod, nodeName)
		f.observePlugin(pl.Name(), unreservePoint, pstart, nil)
	}
}

// RunPermitPlugins runs Permit in order and returns the first rejection
// or error. If a plugin asks to Wait, a Wait status is returned once all
// plugins ran; holding waiting pods is left to the caller (not yet
// implemented).
func (f *Framework) RunPermitPlugins(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeName string) (status *Status) {
	start := f.clock.Now()
	defer func() { f.observePoint(permitPoint, start, status) }()
	var wait *Status
	for _, pl := range f.permit {
		pstart := f.clock.Now()
		s, _ := pl.Permit(ctx, state, pod, nodeName)
		f.observePlugin(pl.Name(), permitPoint, pstart, s)
		switch {
		case s.IsSuccess():
		case s.IsWait():
			wait = s.WithPlugin(pl.Name())
		case s.IsRejected():
			return s.WithPlugin(pl.Name())
		default:
			return AsStatus(fmt.Errorf("running Permit plugin %q: %w", pl.Name(), s.AsError())).WithPlugin(pl.Name())
		}
	}
	return wait
}

// RunPreBindPlugins runs PreBind in order and stops at the first failure.
func (f *Framework) RunPreBindPlugins(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeName string) (status *Status) {
	start := f.clock.Now()
	defer func() { f.observePoint(preBindPoint, start, status) }()
	for _, pl := range f.preBind {
		pstart := f.clock.Now()
		s := pl.PreBind(ctx, state, pod, nodeName)
		f.observePlugin(pl.Name(), preBindPoint, pstart, s)
		if s.IsSuccess() || s.IsSkip() {
			continue
		}
		if !s.IsRejected() {
			s = AsStatus(fmt.Errorf("running PreBind plugin %q: %w", pl.Name(), s.AsError()))
		}
		return s.WithPlugin(pl.Name())
	}
	return nil
}

// RunBindPlugins calls the Bind plugins in order until one does not
// return Skip, and returns its status. It returns Skip when there is no
// Bind plugin or all skipped.
func (f *Framework) RunBindPlugins(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeName string) (status *Status) {
	start := f.clock.Now()
	defer func() { f.observePoint(bindPoint, start, status) }()
	for _, pl := range f.bind {
		pstart := f.clock.Now()
		s := pl.Bind(ctx, state, pod, nodeName)
		f.observePlugin(pl.Name(), bindPoint, pstart, s)
		if s.IsSkip() {
			continue
		}
		if s.IsSuccess() {
			return nil
		}
		if !s.IsRejected() {
			s = AsStatus(fmt.Errorf("running Bind plugin %q: %w", pl.Name(), s.AsError()))
		}
		return s.WithPlugin(pl.Name())
	}
	return NewStatus(Skip)
}

// RunPostBindPlugins informs the PostBind plugins of a successful bind.
func (f *Framework) RunPostBindPlugins(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeName string) {
	start := f.clock.Now()
	defer func() { f.observePoint(postBindPoint, start, nil) }()
	for _, pl := range f.postBind {
		pstart := f.clock.Now()
		pl.PostBind(ctx, state, pod, nodeName)
		f.observePlugin(pl.Name(), postBindPoint, pstart, nil)
	}
}
