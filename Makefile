# otelcli: `make demo` shows the whole pipeline; `make test` runs every test.
SHELL := /bin/bash
GO ?= go
export GOFLAGS := -buildvcs=false
export GOPROXY ?= https://proxy.golang.org
BUILDER_VERSION := v0.161.0
JAEGER_VERSION := v1.76.0
TOOLS := $(CURDIR)/.build/tools
COLLECTOR := $(CURDIR)/bin/otelcol-otelcli
JAEGER := $(CURDIR)/bin/jaeger
# Fuzzing budgets are counts of calls, not durations: a duration races the
# fuzzing coordinator's own deadline under Go 1.26 and fails a clean run with
# a bare "context deadline exceeded" (go.dev/issue/75804, fixed in Go 1.27).
FUZZTIME ?= 30000x
FUZZMINIMIZE ?= 200x

.PHONY: demo test unit race fuzz vet collector jaeger collector-test collector-load demo-test report-test usage-report compat-test test-min test-latest bench generate clusterctl clean

demo: collector jaeger clusterctl usage-report
	@scripts/demo.sh

test: vet unit race fuzz test-min test-latest compat-test report-test collector-test demo-test
	@echo "make test: all passed"

vet: $(TOOLS)/goimports
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	@test -z "$$($(TOOLS)/goimports -l $$(git ls-files '*.go'))" || { echo "goimports needed:"; $(TOOLS)/goimports -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	cd collector && $(GO) vet ./...
	cd report && $(GO) vet ./...
	cd compat && $(GO) vet ./...
	$(GO) mod tidy -diff
	cd compat && $(GO) mod tidy -diff
	cd collector && $(GO) mod tidy -diff
	cd report && $(GO) mod tidy -diff

unit:
	$(GO) test -count=1 ./...

race:
	$(GO) test -race -count=1 ./...

# Each fuzz target for a bounded number of calls (the seed corpus runs in `unit`).
FUZZ_TARGETS := ./processors:FuzzRedact ./processors:FuzzRedactEmails ./processors:FuzzRedactURLs \
	./processors:FuzzRedactIPs ./processors:FuzzRedactSecrets ./processors:FuzzRedactPaths \
	./processors:FuzzFunctionsOnly ./processors:FuzzAllowlist ./processors:FuzzKeyedHash ./internal/otlp:FuzzUnmarshal
fuzz:
	@for pt in $(FUZZ_TARGETS); do p=$${pt%%:*} t=$${pt#*:}; \
		echo "fuzz $$p $$t ($(FUZZTIME))"; \
		$(GO) test $$p -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) >/tmp/otelcli-fuzz.log 2>&1 || { cat /tmp/otelcli-fuzz.log; exit 1; }; \
	done

# otelcli requires the lowest versions that work (go.mod), so that adopting
# it changes none of a CLI's other modules nor its Go; these build and test
# it with exactly those, under the oldest Go it supports, and with the newest
# releases of everything under the current Go.
GO_MIN := go1.22.12
test-min:
	GOTOOLCHAIN=$(GO_MIN) $(GO) version
	GOTOOLCHAIN=$(GO_MIN) $(GO) vet ./...
	GOTOOLCHAIN=$(GO_MIN) $(GO) test -count=1 ./...

test-latest:
	@rm -rf .build/latest && mkdir -p .build/latest
	git ls-files -z | xargs -0 cp --parents -t .build/latest
	cd .build/latest && $(GO) get -t -u ./... && $(GO) mod tidy && \
		$(GO) list -m github.com/spf13/cobra github.com/spf13/pflag go.opentelemetry.io/otel go.opentelemetry.io/otel/sdk && \
		$(GO) vet ./... && $(GO) test -count=1 ./otelcli/... ./processors/... ./internal/...

# otelcli next to the canonical OTLP packages and otlptracehttp, and adopted
# by an older CLI (its own module: those dependencies never reach users).
compat-test:
	cd compat && $(GO) test -count=1 ./...

# goimports, pinned, for `make vet`.
$(TOOLS)/goimports:
	GOBIN=$(TOOLS) $(GO) install golang.org/x/tools/cmd/goimports@v0.52.0

clusterctl:
	@mkdir -p bin
	$(GO) build -o bin/clusterctl ./examples/clusterctl
	$(GO) build -tags notelemetry -o bin/clusterctl-plain ./examples/clusterctl
	$(GO) build -ldflags '-X main.version=0.3.0' -o bin/clusterctl-0.3.0 ./examples/clusterctl

# The usage report for CLI authors (report/, its own module: the library's
# users never get its charting dependencies).
usage-report:
	@mkdir -p bin
	cd report && $(GO) build -o ../bin/usage-report ./cmd/usage-report

# The report's tests: aggregation on fixtures, the page rendered from a demo
# session's data and loaded in headless Chromium (skipped when absent; CI has it).
report-test:
	cd report && $(GO) test -count=1 ./...

# The collector distribution, built from Go modules by the OpenTelemetry
# Collector Builder; cached in bin/ until the manifest changes.
collector: $(COLLECTOR)
$(COLLECTOR): collector/builder-config.yaml
	@mkdir -p bin .build/collector $(TOOLS)
	@echo ">> building the collector distribution (first time: 2-4 minutes)"
	GOBIN=$(TOOLS) $(GO) install go.opentelemetry.io/collector/cmd/builder@$(BUILDER_VERSION)
	$(TOOLS)/builder --config collector/builder-config.yaml --ldflags="-s -w"
	cp .build/collector/otelcol-otelcli $(COLLECTOR)

jaeger: $(JAEGER)
$(JAEGER):
	@scripts/build-jaeger.sh $(JAEGER_VERSION) $(JAEGER)

collector-test: collector clusterctl
	OTELCOL_BIN=$(COLLECTOR) $(GO) test -count=1 -run TestPrefixFields ./internal/docgen
	cd collector && OTELCOL_BIN=$(COLLECTOR) CLUSTERCTL_BIN=$(CURDIR)/bin/clusterctl $(GO) test -count=1 ./...

# What one collector holds at one core, its memory, and how it sheds load
# (not part of `make test`: about 2 minutes of load on this machine).
collector-load: collector $(TOOLS)/telemetrygen
	cd collector && $(GO) run ./cmd/loadbench -collector $(COLLECTOR) -telemetrygen $(TOOLS)/telemetrygen

# The collector's own load generator, on the same train as the distribution.
$(TOOLS)/telemetrygen:
	GOBIN=$(TOOLS) $(GO) install github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@$(BUILDER_VERSION)

demo-test: collector jaeger clusterctl usage-report
	DEMO_ASSERT=1 scripts/demo.sh

# What carrying otelcli costs (binary, start-up, in process), then whole-
# process timings against healthy, refusing and hung backends and back to
# back (hyperfine: apt-get install hyperfine).
bench: clusterctl
	scripts/cost.sh
	scripts/bench.sh

generate:
	$(GO) run ./internal/docgen

clean:
	rm -rf bin .build
