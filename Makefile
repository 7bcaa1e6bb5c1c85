# chmcp. `make test` is the whole check CI runs (.ci/run).
GO      ?= go
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
# staticcheck, pinned; fetched through the Go module proxy like any module.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOFILES  = $(shell find . -name '*.go' -not -path './tmp/*' -not -path './.cache/*' -not -path './.git/*')

.PHONY: all build engine vet test-go fuzz fuzz-short conformance test bench demo clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/chmcp ./cmd/chmcp
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/chlocal ./cmd/chlocal

# Download (once, cached in ~/.cache/chmcp) the ClickHouse engine the tests run.
engine: build
	bin/chlocal fetch

vet:
	@bad=$$(gofmt -l $(GOFILES)); if [ -n "$$bad" ]; then echo "gofmt -w needed:"; echo "$$bad"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# third_party/clickhouse-go is its own module (a patched copy, see its
# PATCHES.md): ./... does not reach it, so its unit tests run here.
test-go:
	$(GO) test -race -count=1 -timeout 20m ./...
	cd third_party/clickhouse-go && $(GO) test -count=1 ./...

# Fuzz targets explored briefly on every `make test` (`go test` alone runs only
# their seed corpora). One package:target pair per entry; add new targets here.
FUZZ_TARGETS ?= \
	./internal/identity:FuzzMap \
	./internal/jwe:FuzzDecode \
	./internal/jwe:FuzzClaims \
	./internal/sqlguard:FuzzCheckRead \
	./internal/clickhouse:FuzzGuardAgreesWithClickHouse
FUZZTIME ?= 3s

# A longer campaign over the same targets (not in CI): make fuzz FUZZTIME=10m
fuzz:
	@$(MAKE) --no-print-directory fuzz-short FUZZTIME=$(if $(filter command line environment,$(origin FUZZTIME)),$(FUZZTIME),60s)

fuzz-short:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; echo "fuzz $$name ($$pkg, $(FUZZTIME))"; \
		out=$$($(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg 2>&1) || { echo "$$out"; exit 1; }; \
		case "$$out" in *"no fuzz tests to fuzz"*) echo "$$out"; echo "fuzz-short: no target $$name in $$pkg"; exit 1;; esac; \
	done

conformance:
	bash scripts/conformance.sh

# One step after another (also under make -j), each timed.
test:
	@for step in engine vet test-go fuzz-short conformance; do \
		start=$$(date +%s); $(MAKE) --no-print-directory $$step || exit 1; \
		echo "make test: $$step took $$(( $$(date +%s) - start ))s"; \
	done

bench: build
	$(GO) build -o bin/chmcp-bench ./cmd/chmcp-bench
	bin/chmcp-bench -chmcp bin/chmcp $(BENCH_ARGS)

demo: build
	bash scripts/demo.sh

clean:
	rm -rf bin tmp/conformance
