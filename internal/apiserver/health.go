package apiserver

import (
	"context"
	"encoding/json"
	"net/http"
	"runtime"
	"time"

	"k8s.io/apimachinery/pkg/version"
)

// Version is the Kubernetes version berth is compatible with.
var Version = version.Info{
	Major: "1", Minor: "37", GitVersion: "v1.37.0-berth", GitCommit: "", GitTreeState: "clean",
	BuildDate: "", GoVersion: runtime.Version(), Compiler: runtime.Compiler, Platform: runtime.GOOS + "/" + runtime.GOARCH,
}

func (s *Server) version(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", mediaJSON)
	_ = json.NewEncoder(w).Encode(Version)
}

// health serves /healthz, /livez and /readyz (with ?verbose); name is the
// endpoint, which upstream prints in the verdict ("readyz check passed").
// Only readyz waits for bootstrap.
func (s *Server) health(name string) http.HandlerFunc {
	readiness := name == "readyz"
	return func(w http.ResponseWriter, r *http.Request) {
		type check struct {
			name string
			err  error
		}
		checks := []check{{name: "ping"}}
		if s.cfg.Ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			checks = append(checks, check{name: "etcd", err: s.cfg.Ready(ctx)})
			cancel()
		}
		if readiness && !s.ready.Load() {
			checks = append(checks, check{name: "poststarthook/bootstrap", err: errNotReady})
		}
		failed := false
		out := ""
		for _, c := range checks {
			if c.err != nil {
				failed = true
				out += "[-]" + c.name + " failed: reason withheld\n"
			} else {
				out += "[+]" + c.name + " ok\n"
			}
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if failed {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(out + name + " check failed\n"))
			return
		}
		if r.URL.Query().Has("verbose") {
			_, _ = w.Write([]byte(out + name + " check passed\n"))
			return
		}
		_, _ = w.Write([]byte("ok"))
	}
}

type notReadyError struct{}

func (notReadyError) Error() string { return "not ready" }

var errNotReady = notReadyError{}
