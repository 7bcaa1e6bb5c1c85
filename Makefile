# chmcp. `make test` is the whole check CI runs (.ci/run).
GO      ?= go
# Version stamp, from git: the tag (or the short commit when there is none),
# the commit, and the commit's time in UTC (not the build's: builds are
# reproducible). `chmcp version` prints them.
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  := $(shell git rev-parse --short=12 HEAD 2>/dev/null)
EPOCH   := $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
DATE    := $(shell TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
# Static (no cgo), no local paths in the binary.
GOBUILD  = CGO_ENABLED=0 $(GO) build -trimpath
BINDIR  ?= bin
# staticcheck, pinned; fetched through the Go module proxy like any module.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOFILES  = $(shell find . -name '*.go' -not -path './tmp/*' -not -path './.cache/*' -not -path './.git/*')

.PHONY: all build engine vet test-go test-external fuzz fuzz-short conformance test bench soak demo clean image image-test helm-test release

all: build

build:
	$(GOBUILD) -ldflags "$(LDFLAGS)" -o $(BINDIR)/chmcp ./cmd/chmcp
	$(GOBUILD) -ldflags "$(LDFLAGS)" -o $(BINDIR)/chlocal ./cmd/chlocal

# Download (once, cached in ~/.cache/chmcp) the ClickHouse engine the tests run.
engine: build
	$(BINDIR)/chlocal fetch

# -tags packaging: also the image and Helm tests (deploy/), which run only
# under make image-test / helm-test.
vet:
	@bad=$$(gofmt -l $(GOFILES)); if [ -n "$$bad" ]; then echo "gofmt -w needed:"; echo "$$bad"; exit 1; fi
	$(GO) vet -tags packaging ./...
	$(GO) run $(STATICCHECK) -tags packaging ./...

# third_party/clickhouse-go is its own module (a patched copy, see its
# PATCHES.md): ./... does not reach it, so the tests of what the patch
# touches run here: lib/... (the protocol) and the root package's revision
# test. Upstream's timing-sensitive pool tests (one hung for 10 minutes on a
# loaded machine) test nothing the patch changes and stay out of CI.
test-go:
	$(GO) test -race -count=1 -timeout 20m ./...
	cd third_party/clickhouse-go && $(GO) test -count=1 -timeout 5m ./lib/... && \
		$(GO) test -count=1 -timeout 2m -run 'TestClientRevision' .

# The integration tests against an external ClickHouse named by
# CHMCP_TEST_CLICKHOUSE, with `chlocal serve --test-users` as that server
# (docs/testing.md). EXTERNAL_PKGS and EXTERNAL_SKIP (tests that need a
# ClickHouse process of their own) override the script's defaults.
test-external:
	GO=$(GO) bash scripts/test-external.sh

# Fuzz targets explored briefly on every `make test` (`go test` alone runs only
# their seed corpora). One package:target:execs entry per target; add new
# targets here. The short run is bounded by a count of executions, sized to a
# few seconds here, not by a duration: a duration races Go's fuzz coordinator,
# which then fails a target with "context deadline exceeded" and no failing
# input (go.dev/issue/75804, fixed in Go 1.27; it failed CI once), and a 3 s
# budget ended the ClickHouse target before its seed corpus was even read.
FUZZ_TARGETS ?= \
	./internal/identity:FuzzMap:40000 \
	./internal/jwe:FuzzDecode:12000 \
	./internal/jwe:FuzzClaims:10000 \
	./internal/sqlguard:FuzzCheckRead:80000 \
	./internal/clickhouse:FuzzGuardAgreesWithClickHouse:400 \
	./internal/mcphttp:FuzzFastPathAgreesWithSDK:150
# FUZZTIME, when set, replaces the counts: a duration (10m) or a count (1000000x).
FUZZTIME ?=

# A longer campaign over the same targets (not in CI): make fuzz FUZZTIME=10m.
# A duration can end in the coordinator race above (no failing input is
# written then); a count (FUZZTIME=2000000x) cannot.
fuzz:
	@$(MAKE) --no-print-directory fuzz-short FUZZTIME=$(if $(FUZZTIME),$(FUZZTIME),60s)

fuzz-short:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; rest=$${t#*:}; name=$${rest%%:*}; execs=$${rest##*:}; \
		budget=$(if $(FUZZTIME),$(FUZZTIME),$${execs}x); echo "fuzz $$name ($$pkg, $$budget)"; \
		out=$$($(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $$budget $$pkg 2>&1) || { echo "$$out"; exit 1; }; \
		case "$$out" in *"no fuzz tests to fuzz"*) echo "$$out"; echo "fuzz-short: no target $$name in $$pkg"; exit 1;; esac; \
	done

conformance:
	bash scripts/conformance.sh

# One step after another (also under make -j), each timed.
test:
	@for step in engine vet test-go fuzz-short conformance helm-test image-test; do \
		start=$$(date +%s); $(MAKE) --no-print-directory $$step || exit 1; \
		echo "make test: $$step took $$(( $$(date +%s) - start ))s"; \
	done

# The container image (Dockerfile), built offline with buildah: FROM scratch
# needs no registry. A private vfs store under tmp/ keeps the system's image
# store untouched; the result is the OCI archive $(IMAGE_TAR).
IMAGE      ?= chmcp
IMAGE_ARCH ?= $(shell $(GO) env GOARCH)
IMAGE_TAR  ?= $(BINDIR)/chmcp-image.tar
BUILDAH    ?= buildah
IMAGE_STORE = $(CURDIR)/tmp/buildah
BUILDAH_RUN = $(BUILDAH) --root $(IMAGE_STORE)/root --runroot $(IMAGE_STORE)/run --storage-driver vfs

image:
	@command -v $(BUILDAH) >/dev/null || { echo "make image: $(BUILDAH) not found; install it (apt-get install buildah)" >&2; exit 1; }
	rm -rf $(BINDIR)/image $(IMAGE_STORE) $(IMAGE_TAR)
	CGO_ENABLED=0 GOOS=linux GOARCH=$(IMAGE_ARCH) $(GO) build -trimpath -ldflags "-s -w $(LDFLAGS)" -o $(BINDIR)/image/linux-$(IMAGE_ARCH)/chmcp ./cmd/chmcp
	cp /etc/ssl/certs/ca-certificates.crt $(BINDIR)/image/
	$(BUILDAH_RUN) build --quiet --isolation chroot --platform linux/$(IMAGE_ARCH) --timestamp $(EPOCH) \
		--build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) --build-arg DATE=$(DATE) \
		-t $(IMAGE):$(VERSION) -f Dockerfile $(BINDIR)/image
	$(BUILDAH_RUN) push --quiet $(IMAGE):$(VERSION) oci-archive:$(IMAGE_TAR):$(IMAGE):$(VERSION)
	rm -rf $(IMAGE_STORE)
	@echo "image $(IMAGE):$(VERSION) (linux/$(IMAGE_ARCH)) in $(IMAGE_TAR)"

# Checks the archive's config and files, then runs the image with podman
# against a real ClickHouse (deploy/image).
image-test: image
	@command -v podman >/dev/null || { echo "make image-test: podman not found; install it (apt-get install podman runc)" >&2; exit 1; }
	CHMCP_IMAGE_ARCHIVE=$(abspath $(IMAGE_TAR)) CHMCP_IMAGE_REF=$(IMAGE):$(VERSION) CHMCP_IMAGE_ARCH=$(IMAGE_ARCH) \
	CHMCP_VERSION=$(VERSION) CHMCP_COMMIT=$(COMMIT) CHMCP_DATE=$(DATE) \
		$(GO) test -tags packaging -count=1 -timeout 10m ./deploy/image/

# The Helm chart (deploy/helm/chmcp): helm lint and helm template with the
# default values and one values file per identity mode, objects checked by
# a Go test. helm v4 is built from the Go module proxy (cached after once).
HELM_VERSION ?= v4.3.2
helm-test:
	GOBIN=$(abspath $(BINDIR)) $(GO) install helm.sh/helm/v4/cmd/helm@$(HELM_VERSION)
	HELM=$(abspath $(BINDIR))/helm $(GO) test -tags packaging -count=1 -timeout 5m ./deploy/helm/

# Static binaries for every platform, SHA-256 checksums and the CHANGELOG
# section of the version, in dist/ (scripts/release.sh says how to cut one).
release:
	VERSION=$(VERSION) COMMIT=$(COMMIT) DATE=$(DATE) LDFLAGS="$(LDFLAGS)" GO=$(GO) bash scripts/release.sh

bench: build
	$(GO) build -o bin/chmcp-bench ./cmd/chmcp-bench
	bin/chmcp-bench -chmcp bin/chmcp $(BENCH_ARGS)

# Not in CI: a few minutes of query mix at concurrency 64 through ClickHouse
# kills, restarts and a freeze (docs/deployment.md).
soak: build
	$(GO) build -o bin/chmcp-bench ./cmd/chmcp-bench
	bin/chmcp-bench -soak -chmcp bin/chmcp

demo: build
	bash scripts/demo.sh

clean:
	rm -rf bin dist tmp/conformance tmp/buildah
