package framework

import (
	"errors"
	"slices"
	"strconv"
	"strings"
)

// Code is the outcome class of a plugin call.
type Code int

// The codes a plugin may return. Their order is part of the API: a zero
// Code is Success.
const (
	// Success means the plugin ran and the pod may proceed.
	Success Code = iota
	// Error means the plugin itself failed; the pod is retried with backoff.
	Error
	// Unschedulable means the node does not fit now, but preemption might
	// make it fit.
	Unschedulable
	// UnschedulableAndUnresolvable means the node does not fit and
	// preemption cannot help.
	UnschedulableAndUnresolvable
	// Wait is returned by Permit plugins to hold a pod before binding.
	Wait
	// Skip is returned by PreFilter, PreScore and Bind plugins that have
	// nothing to do for this pod: the matching Filter/Score call is skipped
	// and, for Bind, the next plugin is tried.
	Skip
)

var codeNames = [...]string{"Success", "Error", "Unschedulable", "UnschedulableAndUnresolvable", "Wait", "Skip"}

func (c Code) String() string {
	if c < 0 || int(c) >= len(codeNames) {
		return "Code(" + strconv.Itoa(int(c)) + ")"
	}
	return codeNames[c]
}

// Status is the result of a plugin call. A nil *Status means Success, so
// every method is safe on nil.
type Status struct {
	code    Code
	reasons []string
	err     error
	plugin  string
}

// NewStatus returns a Status with code and human-readable reasons.
func NewStatus(code Code, reasons ...string) *Status {
	return &Status{code: code, reasons: reasons}
}

// AsStatus wraps err in a Status with code Error. A nil err gives nil.
func AsStatus(err error) *Status {
	if err == nil {
		return nil
	}
	return &Status{code: Error, err: err}
}

// Code returns the status code; Success for nil.
func (s *Status) Code() Code {
	if s == nil {
		return Success
	}
	return s.code
}

// Reasons returns the reasons, with the wrapped error's text first when the
// status carries an error.
func (s *Status) Reasons() []string {
	if s == nil {
		return nil
	}
	if s.err != nil {
		return append([]string{s.err.Error()}, s.reasons...)
	}
	return s.reasons
}

// Message joins the reasons with ", ".
func (s *Status) Message() string {
	return strings.Join(s.Reasons(), ", ")
}

// Plugin names the plugin that returned the status, once the runtime set it.
func (s *Status) Plugin() string {
	if s == nil {
		return ""
	}
	return s.plugin
}

// WithPlugin records the plugin that produced s and returns s.
func (s *Status) WithPlugin(name string) *Status {
	if s != nil {
		s.plugin = name
	}
	return s
}

// AppendReason adds a reason to a non-nil status.
func (s *Status) AppendReason(reason string) {
	if s != nil {
		s.reasons = append(s.reasons, reason)
	}
}

// IsSuccess reports whether s is nil or has code Success.
func (s *Status) IsSuccess() bool { return s.Code() == Success }

// IsSkip reports whether s has code Skip.
func (s *Status) IsSkip() bool { return s.Code() == Skip }

// IsWait reports whether s has code Wait.
func (s *Status) IsWait() bool { return s.Code() == Wait }

// IsRejected reports whether s rejects the pod: Unschedulable or
// UnschedulableAndUnresolvable.
func (s *Status) IsRejected() bool {
	c := s.Code()
	return c == Unschedulable || c == UnschedulableAndUnresolvable
}

// AsError returns nil for a successful status, the wrapped error when there
// is one, and otherwise an error with the joined reasons.
func (s *Status) AsError() error {
	if s.IsSuccess() {
		return nil
	}
	if s.err != nil {
		return s.err
	}
	return errors.New(s.Message())
}

// Equal reports whether two statuses have the same code, reasons, plugin
// and error (compared with errors.Is). go-cmp uses it.
func (s *Status) Equal(o *Status) bool {
	if s == nil || o == nil {
		return s.IsSuccess() && o.IsSuccess()
	}
	if s.code != o.code || s.plugin != o.plugin || !slices.Equal(s.reasons, o.reasons) {
		return false
	}
	if s.err == nil || o.err == nil {
		return s.err == nil && o.err == nil
	}
	return errors.Is(s.err, o.err) || s.err.Error() == o.err.Error()
}

func (s *Status) String() string {
	if s == nil {
		return Success.String()
	}
	m := s.Message()
	if m == "" {
		return s.code.String()
	}
	return s.code.String() + ": " + m
}
