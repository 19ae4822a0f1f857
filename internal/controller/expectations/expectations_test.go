package expectations

import (
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

func TestExpectations(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(time.Unix(1000, 0))
	e := New(clk)
	if !e.Satisfied("ns/a") {
		t.Fatal("unknown key must be satisfied")
	}
	e.ExpectCreations("ns/a", 2)
	if e.Satisfied("ns/a") {
		t.Fatal("two creations pending, yet satisfied")
	}
	e.CreationObserved("ns/a")
	if e.Satisfied("ns/a") {
		t.Fatal("one creation pending, yet satisfied")
	}
	e.CreationObserved("ns/a")
	e.CreationObserved("ns/a") // extra observations never go negative
	if !e.Satisfied("ns/a") {
		t.Fatal("all creations observed, not satisfied")
	}
	e.ExpectDeletions("ns/a", []string{"u1", "u2"})
	e.DeletionObserved("ns/a", "u1")
	e.DeletionObserved("ns/a", "u9")
	if e.Satisfied("ns/a") {
		t.Fatal("u2 deletion pending, yet satisfied")
	}
	clk.SetTime(clk.Now().Add(TTL + time.Second))
	if !e.Satisfied("ns/a") {
		t.Fatal("expectations older than TTL must be satisfied")
	}
	e.ExpectCreations("ns/b", 1)
	e.Delete("ns/b")
	if !e.Satisfied("ns/b") {
		t.Fatal("deleted key must be satisfied")
	}
}
