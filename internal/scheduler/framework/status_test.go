package framework

import (
	"errors"

	"k8s.io/apimachinery/pkg/util/sets"
	"testing"
)

func TestStatusNilIsSuccess(t *testing.T) {
	var s *Status
	if !s.IsSuccess() || s.Code() != Success || s.AsError() != nil || s.Message() != "" || s.IsRejected() {
		t.Errorf("nil status: want success with no message, got %v", s)
	}
}

func TestStatus(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name      string
		s         *Status
		code      string
		message   string
		rejected  bool
		errString string
	}{
		{"unschedulable", NewStatus(Unschedulable, "a", "b"), "Unschedulable", "a, b", true, "a, b"},
		{"unresolvable", NewStatus(UnschedulableAndUnresolvable, "x"), "UnschedulableAndUnresolvable", "x", true, "x"},
		{"error", AsStatus(boom), "Error", "boom", false, "boom"},
		{"skip", NewStatus(Skip), "Skip", "", false, ""},
		{"wait", NewStatus(Wait), "Wait", "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.Code().String(); got != tt.code {
				t.Errorf("Code = %s, want %s", got, tt.code)
			}
			if got := tt.s.Message(); got != tt.message {
				t.Errorf("Message = %q, want %q", got, tt.message)
			}
			if got := tt.s.IsRejected(); got != tt.rejected {
				t.Errorf("IsRejected = %v, want %v", got, tt.rejected)
			}
			if got := tt.s.AsError(); got == nil || got.Error() != tt.errString {
				t.Errorf("AsError = %v, want %q", got, tt.errString)
			}
		})
	}
	if !errors.Is(AsStatus(boom).AsError(), boom) {
		t.Error("AsError must return the wrapped error")
	}
	if AsStatus(nil) != nil {
		t.Error("AsStatus(nil) must be nil")
	}
	if got := NewStatus(Unschedulable, "r").WithPlugin("P").Plugin(); got != "P" {
		t.Errorf("Plugin = %q, want P", got)
	}
}

type intState int

func (s *intState) Clone() StateData { c := *s; return &c }

func TestCycleStateClone(t *testing.T) {
	cs := NewCycleState()
	v := intState(1)
	cs.Write("k", &v)
	cs.SkipFilterPlugins = sets.New("A")
	c := cs.Clone()
	v = 2
	got, err := c.Read("k")
	if err != nil {
		t.Fatal(err)
	}
	if *got.(*intState) != 1 {
		t.Errorf("clone shares values: got %d, want 1", *got.(*intState))
	}
	if !c.SkipFilterPlugins.Has("A") {
		t.Error("clone lost SkipFilterPlugins")
	}
	c.Delete("k")
	if _, err := c.Read("k"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Read after Delete: err = %v, want ErrNotFound", err)
	}
	if _, err := cs.Read("k"); err != nil {
		t.Errorf("Delete on clone changed original: %v", err)
	}
	if (*CycleState)(nil).Clone() != nil {
		t.Error("nil clone must be nil")
	}
}
