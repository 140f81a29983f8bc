#!/usr/bin/env bash
# Whole-process timings of clusterctl, uninstrumented vs instrumented, side by
# side in one hyperfine run, with the telemetry backend
#   (a) healthy on loopback, (b) refusing connections, (c) accepting and never
#   answering.
# and (d) back to back: bursts of BURST runs one after the other, as a script
#   runs them, where the uploader an instrumented run starts competes with
#   the next commands; instrumented and plain bursts interleaved, median of
#   the per-round ratios.
# Needs hyperfine (apt-get install hyperfine) and bin/clusterctl{,-plain}
# (make clusterctl; BIN=dir to time other builds). Prints a Markdown table per
# case and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "bench needs hyperfine: apt-get install hyperfine" >&2; exit 1; }
RUNS=${RUNS:-200}
BIN=${BIN:-bin}
BURST=${BURST:-10}
ROUNDS=${ROUNDS:-40}
work=$(mktemp -d -t otelcli-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for h in home b2b; do
    [ -f "$work/$h/.cache/clusterctl/telemetry/upload.lock" ] && kill "$(cat "$work/$h/.cache/clusterctl/telemetry/upload.lock")" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# Backends, on loopback ports the script owns.
cat >"$work/backends.go" <<'GO'
package main

import (
	"io"
	"net"
	"net/http"
	"os"
)

// healthy answers every OTLP request with 200; hung accepts and never answers.
func main() {
	h, _ := net.Listen("tcp", "127.0.0.1:"+os.Args[1])
	go http.Serve(h, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(200)
	}))
	hung, _ := net.Listen("tcp", "127.0.0.1:"+os.Args[2])
	var held []net.Conn
	for {
		c, err := hung.Accept()
		if err != nil {
			return
		}
		held = append(held, c)
	}
}
GO
go build -o "$work/backends" "$work/backends.go"
"$work/backends" 25318 25319 >/dev/null 2>&1 &
pids+=($!)
sleep 0.5
refused=25320 # nothing listens there

export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_CACHE_HOME=$work/home/.cache XDG_DATA_HOME=$work/home/.local/share
mkdir -p -m 700 "$XDG_CONFIG_HOME/clusterctl/telemetry" # otelcli refuses state dirs open to others
touch "$XDG_CONFIG_HOME/clusterctl/telemetry/notice-shown"
unset CI DO_NOT_TRACK OTEL_SDK_DISABLED
$BIN/clusterctl cluster create --provider AWS --region US_EAST_1 --name bench >/dev/null

echo "clusterctl cluster list, $RUNS runs each, $(nproc) cores, $(go version | cut -d' ' -f3)"
for case in "healthy:25318" "refusing:$refused" "hung:25319" "opted-out:25318"; do
  name=${case%%:*} port=${case#*:}
  echo
  export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$port OTEL_EXPORTER_OTLP_TIMEOUT=2000
  if [ "$name" = opted-out ]; then
    echo "### telemetry off (DO_NOT_TRACK=1), backend healthy"
    export DO_NOT_TRACK=1
  else
    echo "### backend $name (OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$port)"
  fi
  hyperfine -N --warmup 20 --runs "$RUNS" --export-markdown "$work/$name.md" --export-json "$work/$name.json" \
    -n uninstrumented "$BIN/clusterctl-plain cluster list" \
    -n instrumented "$BIN/clusterctl cluster list" >/dev/null
  cat "$work/$name.md"
  jq -r '.results as $r | ($r[0].median*1000) as $base | ($r[1].median*1000) as $inst
    | "median: uninstrumented \($base*100|round/100) ms, instrumented \($inst*100|round/100) ms, added \((($inst-$base)*100|round/100)) ms, ratio \(($inst/$base)*100|round/100)"' "$work/$name.json"
  # Let a background uploader finish or back off before the next case.
  sleep 1
done

# (d) Back to back, backend healthy, in a home of its own: the uploader of
# the hung case may still hold the first one's lock, its spool be full.
unset DO_NOT_TRACK
export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:25318
export HOME=$work/b2b XDG_CONFIG_HOME=$work/b2b/.config XDG_CACHE_HOME=$work/b2b/.cache XDG_DATA_HOME=$work/b2b/.local/share
mkdir -p -m 700 "$XDG_CONFIG_HOME/clusterctl/telemetry"
touch "$XDG_CONFIG_HOME/clusterctl/telemetry/notice-shown"
burst() { # prints the wall time of BURST runs of $1, in ms
  local t0=$EPOCHREALTIME
  for ((i = 0; i < BURST; i++)); do "$1" cluster list >/dev/null; done
  awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }'
}
echo
echo "### back to back: bursts of $BURST runs, backend healthy, $ROUNDS rounds"
hyperfine -N --warmup 3 --runs "$ROUNDS" --export-markdown "$work/b2b.md" \
  -n uninstrumented "sh -c 'for i in \$(seq $BURST); do $BIN/clusterctl-plain cluster list >/dev/null; done'" \
  -n instrumented "sh -c 'for i in \$(seq $BURST); do $BIN/clusterctl cluster list >/dev/null; done'" >/dev/null
cat "$work/b2b.md"
: >"$work/pairs"
for ((r = 0; r < ROUNDS; r++)); do
  if ((r % 2)); then i=$(burst $BIN/clusterctl); p=$(burst $BIN/clusterctl-plain); else p=$(burst $BIN/clusterctl-plain); i=$(burst $BIN/clusterctl); fi
  echo "$p $i" >>"$work/pairs"
done
med() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
p=$(awk '{ print $1 }' "$work/pairs" | med)
i=$(awk '{ print $2 }' "$work/pairs" | med)
r=$(awk '{ print $2 / $1 }' "$work/pairs" | med)
printf 'interleaved, %d rounds: median burst uninstrumented %.2f ms, instrumented %.2f ms (%.2f ms a run added), median of the pair ratios %.2f\n' \
  "$ROUNDS" "$p" "$i" "$(awk -v a="$p" -v b="$i" -v n="$BURST" 'BEGIN { print (b - a) / n }')" "$r"
