# berth — one binary, a Kubernetes-compatible cluster.
DATA_DIR ?= /var/lib/berth
GO ?= $(shell scripts/find-go.sh)
export CGO_ENABLED = 0
# The built-in kubectl reports the version of the kubectl library (go.mod).
KUBECTL_VERSION := $(shell $(GO) list -m -f '{{.Version}}' k8s.io/kubectl 2>/dev/null | sed 's/^v0\./v1./')
LDFLAGS := -X k8s.io/component-base/version.gitVersion=$(KUBECTL_VERSION) \
	-X k8s.io/component-base/version.gitMajor=1 \
	-X k8s.io/component-base/version.gitMinor=$(word 2,$(subst ., ,$(KUBECTL_VERSION)))

.PHONY: build up test bench fuzz setup clean

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/berth ./cmd/berth

setup:
	bash scripts/setup.sh

# up builds berth and runs a server in the foreground; KUBECONFIG is
# $(DATA_DIR)/admin.kubeconfig.
up: build
	./bin/berth server --data-dir $(DATA_DIR)

# test runs every test: vet, unit, integration, e2e, short fuzzing.
test:
	bash scripts/test.sh

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./internal/... ./test/perf/...

fuzz:
	bash scripts/fuzz.sh

clean:
	rm -rf bin
