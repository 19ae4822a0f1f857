package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// watchTimeout bounds the wait for each streamed event.
const watchTimeout = 15 * time.Second

// podEvent is one event printed by `kubectl get pods -w --output-watch-events -o json`.
type podEvent struct {
	Type   string     `json:"type"`
	Object corev1.Pod `json:"object"`
}

// startPodWatch runs the JSON watch in the background and decodes its
// stdout incrementally.
func (k *kubectl) startPodWatch(args ...string) <-chan podEvent {
	k.t.Helper()
	cmd := exec.Command(k.bin, append([]string{"get", "pods", "--watch", "--output-watch-events", "-o", "json"}, args...)...)
	cmd.Env = k.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := os.CreateTemp(k.dir, "watch-stderr-*")
	if err != nil {
		k.t.Fatal(err)
	}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		k.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		k.t.Fatalf("start kubectl watch: %v", err)
	}
	events := make(chan podEvent, 64)
	done := make(chan struct{})
	go func() {
		defer close(events)
		dec := json.NewDecoder(out)
		for {
			var ev podEvent
			if err := dec.Decode(&ev); err != nil {
				return
			}
			select {
			case events <- ev:
			case <-done:
				return
			}
		}
	}()
	k.t.Cleanup(func() {
		close(done)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if k.t.Failed() {
			b, _ := os.ReadFile(stderr.Name())
			k.t.Logf("kubectl watch stderr:\n%s", b)
		}
		stderr.Close()
	})
	return events
}

// waitEvent reads events until one matches, failing at the deadline.
func waitEvent(t *testing.T, events <-chan podEvent, what string, match func(podEvent) bool) podEvent {
	t.Helper()
	deadline := time.After(watchTimeout)
	var seen []string
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("watch ended while waiting for %s; saw %v", what, seen)
			}
			seen = append(seen, ev.Type+" "+ev.Object.Name)
			if match(ev) {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %s within %v; saw %v", what, watchTimeout, seen)
		}
	}
}

func TestWatchPods(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	k := s.kubectl(t)
	c := s.client(t)
	ctx := t.Context()
	events := k.startPodWatch()

	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "watched", Labels: map[string]string{"app": "w"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}
	created, err := c.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod: %v", err)
	}
	// The pod may come from the initial list or from the watch; both print ADDED.
	added := waitEvent(t, events, "ADDED watched", func(ev podEvent) bool {
		return ev.Type == "ADDED" && ev.Object.Name == "watched"
	})
	if added.Object.UID != created.UID || added.Object.Status.Phase != corev1.PodPending {
		t.Errorf("ADDED pod uid=%s phase=%q, want uid %s phase Pending", added.Object.UID, added.Object.Status.Phase, created.UID)
	}

	k.ok("label", "pod", "watched", "stage=two")
	mod := waitEvent(t, events, "MODIFIED watched with label stage=two", func(ev podEvent) bool {
		return ev.Type == "MODIFIED" && ev.Object.Name == "watched"
	})
	if diff := cmp.Diff(map[string]string{"app": "w", "stage": "two"}, mod.Object.Labels); diff != "" {
		t.Errorf("MODIFIED labels (-want +got):\n%s", diff)
	}
	if mod.Object.ResourceVersion == added.Object.ResourceVersion {
		t.Errorf("MODIFIED kept resourceVersion %s", mod.Object.ResourceVersion)
	}

	// An unscheduled pod is deleted at once.
	if err := c.CoreV1().Pods("default").Delete(ctx, "watched", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete pod: %v", err)
	}
	waitEvent(t, events, "DELETED watched", func(ev podEvent) bool {
		return ev.Type == "DELETED" && ev.Object.Name == "watched"
	})
}

func TestWatchPodsTable(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	k := s.kubectl(t)
	w := k.start("get", "pods", "-w", "--output-watch-events")
	k.ok("run", "tabled", "--image=busybox")
	var header []string
	for header == nil {
		// With no pods yet, kubectl may first print "No resources found" on stderr only.
		l := w.next(watchTimeout, "the table header")
		if strings.HasPrefix(l, "EVENT") {
			header = columnRE.FindAllString(l, -1)
		}
	}
	if diff := cmp.Diff([]string{"EVENT", "NAME", "READY", "STATUS", "RESTARTS", "AGE"}, header); diff != "" {
		t.Errorf("watch header (-want +got):\n%s", diff)
	}
	next := func(what string) []string {
		t.Helper()
		return strings.Fields(w.next(watchTimeout, what))
	}
	if f := next("ADDED row"); len(f) != 6 || f[0] != "ADDED" || f[1] != "tabled" || f[2] != "0/1" || f[3] != "Pending" || f[4] != "0" {
		t.Errorf("ADDED row = %q, want [ADDED tabled 0/1 Pending 0 <age>]", f)
	}
	k.ok("delete", "pod", "tabled", "--wait=false")
	if f := next("DELETED row"); len(f) != 6 || f[0] != "DELETED" || f[1] != "tabled" {
		t.Errorf("DELETED row = %q, want [DELETED tabled ...]", f)
	}
}
