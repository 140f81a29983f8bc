#!/usr/bin/env bash
# What carrying otelcli costs every user of an instrumented CLI, on every run
# (`make bench`): binary size and packages initialised at start, for the
# smallest cobra CLI (internal/benchcli) and for examples/clusterctl, each
# against its build without the library (-tags notelemetry); whole-process
# start-up as interleaved pairs (internal/pairbench: median of the per-pair
# ratios), telemetry off (DO_NOT_TRACK=1) and on (the run is spooled; no
# uploader is due); and the in-process benchmarks.
#   PAIRS=200 (pairs per case)
set -euo pipefail
cd "$(dirname "$0")/.."
# The runs below get a home of their own; the Go caches stay where they are.
export GOPATH=$(go env GOPATH) GOCACHE=$(go env GOCACHE) GOMODCACHE=$(go env GOMODCACHE)
PAIRS=${PAIRS:-200}
out=$PWD/.build/cost
rm -rf "$out" && mkdir -p "$out"
build() { go build -trimpath -ldflags='-s -w' "$@"; }
build -tags notelemetry -o "$out/benchcli-plain" ./internal/benchcli
build -o "$out/benchcli" ./internal/benchcli
build -tags notelemetry -o "$out/clusterctl-plain" ./examples/clusterctl
build -o "$out/clusterctl" ./examples/clusterctl
go build -o "$out/clusterctl-symbols" ./examples/clusterctl
go build -o "$out/pairbench" ./internal/pairbench

inits() { GODEBUG=inittrace=1 "$@" 2>&1 >/dev/null | grep -c '^init ' || true; }
mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.2f MB", b / 1e6 }'; }
echo "### Binary (stripped: -trimpath -ldflags='-s -w'), $(go version | cut -d' ' -f3)"
echo
echo "| build | size | added | packages initialised |"
echo "|---|---:|---:|---:|"
for cli in benchcli:hello clusterctl:version; do
  name=${cli%%:*} args=${cli#*:}
  p=$(stat -c %s "$out/$name-plain") i=$(stat -c %s "$out/$name")
  echo "| $name, plain | $(mb "$out/$name-plain") | | $(inits "$out/$name-plain" $args) |"
  echo "| $name, with otelcli | $(mb "$out/$name") | $(awk -v a="$p" -v b="$i" 'BEGIN { printf "+%.2f MB", (b - a) / 1e6 }') | $(DO_NOT_TRACK=1 inits "$out/$name" $args) |"
done
echo
echo "gRPC in \`go version -m\` of the instrumented clusterctl: $(go version -m "$out/clusterctl-symbols" | grep -c 'google.golang.org/grpc' || true) lines"

home=$(mktemp -d -t otelcli-cost.XXXXXX)
trap 'rm -rf "$home"' EXIT
export HOME=$home XDG_CONFIG_HOME=$home/.config XDG_CACHE_HOME=$home/.cache XDG_DATA_HOME=$home/.local/share
unset CI GITHUB_ACTIONS DO_NOT_TRACK OTEL_SDK_DISABLED OTEL_TRACES_EXPORTER
for name in benchcli clusterctl; do
  mkdir -p -m 700 "$XDG_CONFIG_HOME/$name/telemetry"
  touch "$XDG_CONFIG_HOME/$name/telemetry/notice-shown"
done
echo
echo "### Start-up: whole process, $PAIRS interleaved pairs a case, $(nproc) cores"
echo
for cli in "benchcli:hello" "clusterctl:cluster list"; do
  name=${cli%%:*} args=${cli#*:}
  prefix=$(echo "$name" | tr a-z A-Z)_
  "$out/pairbench" -n "$PAIRS" -label "$name $args, telemetry off (DO_NOT_TRACK=1)" -env DO_NOT_TRACK=1 \
    -a "$out/$name-plain" -b "$out/$name" -- $args
  "$out/pairbench" -n "$PAIRS" -label "$name $args, telemetry on (spooled, no uploader due)" \
    -env "${prefix}TELEMETRY_DELIVERY=none" -a "$out/$name-plain" -b "$out/$name" -- $args
done

echo
echo "### In process (go test -bench)"
echo
go test -run '^$' -bench 'Execute|OptedOut' -benchmem ./otelcli | grep '^Benchmark'
# The first command of a fresh process, one-time work included: what a user
# pays (ns/op there is the whole child process; first-µs is the command's).
go test -run '^$' -bench 'FirstRun' -benchtime 40x ./otelcli | grep '^Benchmark'
go test -run '^$' -bench 'Write' -benchmem ./internal/spool | grep '^Benchmark'
go test -run '^$' -bench 'Marshal' -benchmem ./internal/otlp | grep '^Benchmark'
go test -run '^$' -bench . -benchmem ./processors | grep '^Benchmark'
