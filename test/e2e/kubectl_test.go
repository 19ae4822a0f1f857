package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// stockKubectl is the distribution's kubectl.
const stockKubectl = "/usr/bin/kubectl"

// skewDir holds kubectl.1.NN binaries for version skew runs.
const skewDir = "/usr/lib/google-cloud-sdk/bin"

// kubectl runs one kubectl binary against one server.
type kubectl struct {
	t   testing.TB
	bin string
	env []string
	dir string // scratch dir for manifests
}

// kubectl is the stock kubectl pointed at s with KUBECONFIG.
func (s *server) kubectl(t testing.TB) *kubectl {
	t.Helper()
	return s.kubectlBin(t, stockKubectl)
}

// kubectlBin is bin pointed at s; the test is skipped, loudly, only when
// bin does not exist.
func (s *server) kubectlBin(t testing.TB, bin string, extraEnv ...string) *kubectl {
	t.Helper()
	requireBinary(t, bin)
	return &kubectl{t: t, bin: bin, env: testEnv(t, append([]string{"KUBECONFIG=" + s.kubeconfig}, extraEnv...)), dir: t.TempDir()}
}

func requireBinary(t testing.TB, bin string) {
	t.Helper()
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("SKIPPING: kubectl binary %s is not installed (%v); this e2e scenario needs it", bin, err)
	}
}

// run runs kubectl with args and returns whatever happened.
func (k *kubectl) run(args ...string) result {
	k.t.Helper()
	return execute(k.t, k.env, "", k.bin, args...)
}

// runStdin is run with stdin.
func (k *kubectl) runStdin(stdin string, args ...string) result {
	k.t.Helper()
	return execute(k.t, k.env, stdin, k.bin, args...)
}

// ok runs kubectl and fails the test unless it exits 0; it returns stdout.
func (k *kubectl) ok(args ...string) string {
	k.t.Helper()
	r := k.run(args...)
	if r.code != 0 {
		k.t.Fatalf("kubectl %s: %s", strings.Join(args, " "), r)
	}
	return r.stdout
}

// fails runs kubectl and fails the test if it exits 0.
func (k *kubectl) fails(args ...string) result {
	k.t.Helper()
	r := k.run(args...)
	if r.code == 0 {
		k.t.Fatalf("kubectl %s succeeded, want an error: %s", strings.Join(args, " "), r)
	}
	return r
}

// getJSON runs `kubectl <args> -o json` and decodes stdout into into.
func (k *kubectl) getJSON(into any, args ...string) {
	k.t.Helper()
	out := k.ok(append(args, "-o", "json")...)
	if err := json.Unmarshal([]byte(out), into); err != nil {
		k.t.Fatalf("kubectl %s -o json: decode: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// file writes a manifest into the scratch dir and returns its path.
func (k *kubectl) file(name, content string) string {
	k.t.Helper()
	p := filepath.Join(k.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		k.t.Fatalf("write %s: %v", p, err)
	}
	return p
}

// stream is a kubectl process left running (a watch); its stdout is read
// line by line.
type stream struct {
	t     testing.TB
	cmd   *exec.Cmd
	lines chan string
}

// start runs kubectl in the background. The process is killed and reaped
// when the test ends.
func (k *kubectl) start(args ...string) *stream {
	k.t.Helper()
	return k.startStream(false, args...)
}

// startCombined is start with stderr interleaved into the lines (for -v
// request logs that tell when a watch is established).
func (k *kubectl) startCombined(args ...string) *stream {
	k.t.Helper()
	return k.startStream(true, args...)
}

func (k *kubectl) startStream(combined bool, args ...string) *stream {
	k.t.Helper()
	cmd := exec.Command(k.bin, args...)
	cmd.Env = k.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := os.CreateTemp(k.dir, "stderr-*")
	if err != nil {
		k.t.Fatal(err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		k.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = pw, stderr
	if combined {
		cmd.Stderr = pw
	}
	if err := cmd.Start(); err != nil {
		k.t.Fatalf("start kubectl %s: %v", strings.Join(args, " "), err)
	}
	pw.Close() // the child holds its own copy; EOF comes when it exits
	s := &stream{t: k.t, cmd: cmd, lines: make(chan string, 1024)}
	done := make(chan struct{})
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			select {
			case s.lines <- sc.Text():
			case <-done:
				return
			}
		}
	}()
	k.t.Cleanup(func() {
		close(done)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		pr.Close()
		if k.t.Failed() {
			b, _ := os.ReadFile(stderr.Name())
			k.t.Logf("kubectl %s stderr:\n%s", strings.Join(args, " "), b)
		}
		stderr.Close()
	})
	return s
}

// until returns the first line containing substr, failing the test if
// none arrives in time.
func (s *stream) until(timeout time.Duration, substr string) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		l := s.next(time.Until(deadline), fmt.Sprintf("a line containing %q", substr))
		if strings.Contains(l, substr) {
			return l
		}
	}
}

// next returns the next line, failing the test if none arrives in time.
func (s *stream) next(timeout time.Duration, what string) string {
	s.t.Helper()
	select {
	case l, ok := <-s.lines:
		if !ok {
			s.t.Fatalf("stream ended while waiting for %s", what)
		}
		return l
	case <-time.After(timeout):
		s.t.Fatalf("no output within %v while waiting for %s", timeout, what)
	}
	return ""
}

// table is one block of kubectl's table output.
type table struct {
	header []string
	rows   [][]string
}

var columnRE = regexp.MustCompile(`\S+(?: \S+)*`)

// parseTables splits kubectl table output into blocks (separated by blank
// lines) and cuts each row at the header's column starts, which kubectl's
// tabwriter aligns for every line of a block.
func parseTables(out string) []table {
	var tables []table
	var cur *table
	var starts []int
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "" {
			cur = nil
			continue
		}
		if cur == nil {
			tables = append(tables, table{})
			cur = &tables[len(tables)-1]
			starts = starts[:0]
			for _, loc := range columnRE.FindAllStringIndex(line, -1) {
				starts = append(starts, loc[0])
				cur.header = append(cur.header, line[loc[0]:loc[1]])
			}
			continue
		}
		row := make([]string, len(starts))
		for i, st := range starts {
			end := len(line)
			if i+1 < len(starts) && starts[i+1] < end {
				end = starts[i+1]
			}
			if st < len(line) {
				row[i] = strings.TrimSpace(line[st:end])
			}
		}
		cur.rows = append(cur.rows, row)
	}
	return tables
}

// row finds the row whose first cell is name.
func (tb table) row(name string) []string {
	for _, r := range tb.rows {
		if len(r) > 0 && r[0] == name {
			return r
		}
	}
	return nil
}

// column is the index of a header, -1 if absent.
func (tb table) column(name string) int {
	for i, h := range tb.header {
		if h == name {
			return i
		}
	}
	return -1
}

// withoutAge blanks the AGE and LAST SEEN cells, which depend on the clock.
func (tb table) withoutAge(r []string) []string {
	out := append([]string(nil), r...)
	for _, c := range []string{"AGE", "LAST SEEN"} {
		if i := tb.column(c); i >= 0 && i < len(out) {
			out[i] = "*"
		}
	}
	return out
}

// lines splits output into non-empty lines.
func lines(out string) []string {
	var ls []string
	for _, l := range strings.Split(out, "\n") {
		if strings.TrimSpace(l) != "" {
			ls = append(ls, l)
		}
	}
	return ls
}
