package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// server is one `berth server` process.
type server struct {
	t          testing.TB
	dataDir    string
	port       int
	url        string
	kubeconfig string
	logPath    string
	cmd        *exec.Cmd
	done       chan struct{} // closed when the process has exited
	waitErr    error         // valid after done
	ready      bool          // answered /readyz once
	stopped    bool
}

// startServer starts a server on a fresh data dir and a free port.
func startServer(t testing.TB) *server {
	t.Helper()
	return startServerIn(t, t.TempDir(), 0)
}

// startServerIn starts a server on dir, on port (0: a free one; a port
// taken meanwhile by someone else is retried with another). It waits for
// /readyz and stops the server when the test ends.
func startServerIn(t testing.TB, dir string, port int, extraArgs ...string) *server {
	t.Helper()
	for attempt := 0; ; attempt++ {
		p := port
		if p == 0 {
			p = freePort(t)
		}
		s, err := launch(t, dir, p, extraArgs...)
		if err == nil {
			return s
		}
		if port == 0 && attempt < 3 && strings.Contains(s.logTail(), "address already in use") {
			t.Logf("port %d was taken, retrying: %v", p, err)
			continue
		}
		t.Fatalf("berth server on %s did not become ready: %v\n--- server log ---\n%s", dir, err, s.logTail())
	}
}

func launch(t testing.TB, dir string, port int, extraArgs ...string) (*server, error) {
	s := &server{
		t: t, dataDir: dir, port: port,
		url:        "https://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		kubeconfig: filepath.Join(dir, "admin.kubeconfig"),
		done:       make(chan struct{}),
	}
	logf, err := os.CreateTemp(t.TempDir(), "server-*.log")
	if err != nil {
		t.Fatalf("server log: %v", err)
	}
	s.logPath = logf.Name()
	s.cmd = exec.Command(berthBin, append([]string{"server", "--data-dir", dir, "--secure-port", strconv.Itoa(port),
		"--bind-address", "127.0.0.1", "--disable-agent"}, extraArgs...)...)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.Env = testEnv(t, nil)
	// Should the test binary die (a -timeout panic), the server goes too.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("start berth server: %v", err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		logf.Close()
		close(s.done)
	}()
	t.Cleanup(s.stop)
	if err := s.waitReady(30 * time.Second); err != nil {
		s.stop()
		return s, err
	}
	s.ready = true
	return s, nil
}

// waitReady polls /readyz, trusting only the CA of this data dir so that
// an unrelated server on the same port is never mistaken for ours.
func (s *server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error = errors.New("no answer yet")
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("server exited: %v", s.waitErr)
		default:
		}
		if err := s.probeReady(); err == nil {
			return nil
		} else {
			last = err
		}
		select {
		case <-s.done:
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("not ready after %v: %v", timeout, last)
}

func (s *server) probeReady() error {
	cfg, err := clientcmd.BuildConfigFromFlags("", s.kubeconfig)
	if err != nil {
		return err
	}
	cfg.Timeout = 2 * time.Second
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return err
	}
	defer hc.CloseIdleConnections()
	resp, err := hc.Get(s.url + "/readyz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/readyz: %s", resp.Status)
	}
	return nil
}

// stop sends SIGTERM and waits; a server that needs SIGKILL, or exits
// non-zero after SIGTERM, fails the test. Idempotent.
func (s *server) stop() {
	if s.stopped {
		return
	}
	s.stopped = true
	select {
	case <-s.done:
		if s.ready {
			s.t.Errorf("berth server exited on its own during the test: %v\n%s", s.waitErr, s.logTail())
		}
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		if s.waitErr != nil {
			s.t.Errorf("berth server exited with %v after SIGTERM\n%s", s.waitErr, s.logTail())
		}
	case <-time.After(20 * time.Second):
		// SIGQUIT makes the Go runtime dump every goroutine into the log.
		_ = s.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
		s.t.Errorf("berth server did not exit within 20s of SIGTERM; goroutine dump kept in %s\n%s", s.keepLog(), s.logTail())
	}
}

// keepLog copies the log out of the test's temp dir, which is removed at
// the end of the test, and returns the copy's path.
func (s *server) keepLog() string {
	b, _ := os.ReadFile(s.logPath)
	f, err := os.CreateTemp("", "berth-e2e-server-*.log")
	if err != nil {
		return s.logPath
	}
	defer f.Close()
	_, _ = f.Write(b)
	return f.Name()
}

func (s *server) logTail() string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// client is a client-go clientset from the server's admin kubeconfig.
func (s *server) client(t testing.TB) kubernetes.Interface {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", s.kubeconfig)
	if err != nil {
		t.Fatalf("load kubeconfig: %v", err)
	}
	return kubernetes.NewForConfigOrDie(cfg)
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// testEnv is the environment for child processes: the caller's, minus
// anything that could point kubectl elsewhere, with HOME in a temp dir so
// discovery caches stay per test.
func testEnv(t testing.TB, extra []string) []string {
	home := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "KUBECONFIG", "HOME", "BERTH_DATA_DIR", "KUBECACHEDIR", "KUBE_EDITOR", "EDITOR":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "HOME="+home)
	return append(env, extra...)
}

// runTimeout bounds every child command.
const runTimeout = 60 * time.Second

// result is a finished command.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout ---\n%s--- stderr ---\n%s", r.code, r.stdout, r.stderr)
}

// execute runs a command to completion with a timeout.
func execute(t testing.TB, env []string, stdin string, bin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 5 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ctx.Err() == nil:
		r.code = ee.ExitCode()
	default:
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, r)
	}
	return r
}
