# profdev: `make run` starts the whole system in one process; `make test` runs the full suite.
SHELL      := /bin/bash
GO         ?= go
BIN        := bin/profdev
VERSION    ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS    := -X main.version=$(VERSION)
export GOTOOLCHAIN := local

.PHONY: run test topology bench build deps vet lint clean screenshots

## deps: install what a fresh Debian machine lacks (PostgreSQL server, openssl GOST engine)
deps:
	@bash deploy/install-deps.sh

## build: the one binary, bin/profdev
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/profdev

## run: the whole system in one process (Temporal + UI, PostgreSQL, worker, API) under .data/
run: deps build
	./$(BIN) dev

## test: unit and integration tests against a real PostgreSQL and a real Temporal server
test: deps
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 45m ./...

## topology: the production topology on this machine (PostgreSQL x2, `profdev temporal`, workers
## x2, APIs x2, SMTP) with faults during certificate batches, a rolling upgrade of the workers
## to a build with a versioned workflow change, and a capacity run; the recorded histories
## replay on that build first. Bounded: well under 15 minutes on 2 cores.
topology: deps
	$(GO) test -count=1 -tags upgradetest -run '^TestRecordedHistoriesReplay$$' ./workflows/
	$(GO) test -count=1 -tags topology -run '^TestTopology$$' -v -timeout 14m ./deploy/

## bench: throughput and latency figures against a baseline measured in the same process (GOST
## and ECDSA), signature and PDF costs, reads and console pages at 1,000,000 certificates;
## every figure again at the end in one table (bin/bench-table.tsv)
bench: deps
	@mkdir -p bin && : > $(CURDIR)/bin/bench-table.tsv
	BENCH_TABLE=$(CURDIR)/bin/bench-table.tsv BENCH_SIGNING=gost BENCH_N=$${BENCH_N:-1000} $(GO) test -run '^$$' -bench BenchmarkIssuance -benchtime 1x -timeout 60m ./cmd/profdev/
	BENCH_TABLE=$(CURDIR)/bin/bench-table.tsv BENCH_SIGNING=ecdsa BENCH_N=$${BENCH_N:-1000} $(GO) test -run '^$$' -bench BenchmarkIssuance -benchtime 1x -timeout 60m ./cmd/profdev/
	BENCH_TABLE=$(CURDIR)/bin/bench-table.tsv $(GO) test -run '^$$' -bench . -benchmem ./internal/signing/ ./internal/document/ ./internal/calendar/
	BENCH_TABLE=$(CURDIR)/bin/bench-table.tsv READBENCH_CERTS=$${READBENCH_CERTS:-1000000} $(GO) test -run '^$$' -bench BenchmarkReads -benchtime 1x -timeout 30m ./internal/postgres/
	@echo; echo "make bench, every figure (the last value of each; bin/bench-table.tsv):"; \
	awk -F'\t' '!($$1 in v) { order[++k] = $$1 } { v[$$1] = $$2; n[$$1] = $$3 } \
		END { printf "%-72s %-32s %s\n", "figure", "value", "note"; for (i = 1; i <= k; i++) printf "%-72s %-32s %s\n", order[i], v[order[i]], n[order[i]] }' \
		$(CURDIR)/bin/bench-table.tsv

## screenshots: the console's main page of each role, taken by its browser tests, for the README
screenshots: deps
	mkdir -p api/console/screenshots
	PROFDEV_SCREENSHOTS=$(CURDIR)/api/console/screenshots $(GO) test -count=1 ./api/console/

## lint: formatting check
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi

clean:
	rm -rf bin
