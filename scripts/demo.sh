#!/usr/bin/env bash
# make demo: the whole pipeline on this machine, no Docker.
#
#   clusterctl (otelcli) --OTLP/HTTP--> otelcol-otelcli --OTLP/gRPC--> Jaeger
#
# A scripted session of the example CLI runs against the bundled collector,
# which forwards to a real Jaeger (in-memory). What landed is read back
# through Jaeger's query API and shown next to what was typed.
#
#   KEEP=1         leave collector and Jaeger running until Ctrl-C
#   DEMO_ASSERT=1  check what was shown and exit non-zero on any failure (make test)
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=$PWD/bin
CLUSTERCTL=$BIN/clusterctl
for b in "$CLUSTERCTL" "$BIN/otelcol-otelcli" "$BIN/jaeger"; do
  [ -x "$b" ] || { echo "missing $b: run 'make demo'" >&2; exit 1; }
done
command -v jq >/dev/null || { echo "the demo needs jq (apt-get install jq)" >&2; exit 1; }
command -v curl >/dev/null || { echo "the demo needs curl (apt-get install curl)" >&2; exit 1; }

if [ -t 1 ]; then B=$'\e[1m' D=$'\e[2m' G=$'\e[32m' R=$'\e[31m' Y=$'\e[33m' C=$'\e[36m' N=$'\e[0m'; else B= D= G= R= Y= C= N=; fi
failures=0
check() { # check <description> <command...>
  local what=$1; shift
  if "$@"; then echo "  ${G}✓${N} $what"; else echo "  ${R}✗ $what${N}"; failures=$((failures + 1)); fi
}

# Loopback ports; the demo refuses to start if one is taken.
export OTELCLI_OTLP_HTTP_ENDPOINT=127.0.0.1:${DEMO_COLLECTOR_HTTP_PORT:-24318}
export OTELCLI_OTLP_GRPC_ENDPOINT=127.0.0.1:${DEMO_COLLECTOR_GRPC_PORT:-24317}
export OTELCLI_HEALTH_ENDPOINT=127.0.0.1:${DEMO_COLLECTOR_HEALTH_PORT:-24133}
export OTELCLI_METRICS_ENDPOINT=127.0.0.1:${DEMO_COLLECTOR_METRICS_PORT:-24889}
export DEMO_JAEGER_OTLP_PORT=${DEMO_JAEGER_OTLP_PORT:-34317}
export DEMO_JAEGER_QUERY_PORT=${DEMO_JAEGER_QUERY_PORT:-36686}
export DEMO_JAEGER_GRPC_QUERY_PORT=${DEMO_JAEGER_GRPC_QUERY_PORT:-36685}
export DEMO_JAEGER_HEALTH_PORT=${DEMO_JAEGER_HEALTH_PORT:-36133}
export JAEGER_ENDPOINT=127.0.0.1:$DEMO_JAEGER_OTLP_PORT
for hp in $OTELCLI_OTLP_HTTP_ENDPOINT $OTELCLI_OTLP_GRPC_ENDPOINT $OTELCLI_HEALTH_ENDPOINT $OTELCLI_METRICS_ENDPOINT \
  127.0.0.1:$DEMO_JAEGER_OTLP_PORT 127.0.0.1:$DEMO_JAEGER_QUERY_PORT 127.0.0.1:$DEMO_JAEGER_GRPC_QUERY_PORT 127.0.0.1:$DEMO_JAEGER_HEALTH_PORT; do
  if (exec 3<>"/dev/tcp/${hp%:*}/${hp#*:}") 2>/dev/null; then
    echo "port ${hp#*:} is in use; set the DEMO_*_PORT variables to free ones" >&2; exit 1
  fi
done
QUERY=http://127.0.0.1:$DEMO_JAEGER_QUERY_PORT

work=$(mktemp -d -t otelcli-demo.XXXXXX)
pids=()
cleanup() {
  trap - EXIT INT TERM
  # The background uploader of the demo user, if one is still running.
  if [ -f "$work/home/.cache/clusterctl/telemetry/upload.lock" ]; then
    kill "$(cat "$work/home/.cache/clusterctl/telemetry/upload.lock")" 2>/dev/null || true
  fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo; echo "interrupted: stopping collector and Jaeger"; exit 130' INT TERM

wait_http() { # wait_http <url> <what>
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "${R}$2 did not come up${N}; its log:" >&2; cat "$work/$2.log" >&2; exit 1
}

echo "${B}== Starting the pipeline on loopback${N}"
"$BIN/jaeger" --config scripts/jaeger-demo.yaml >"$work/jaeger.log" 2>&1 &
pids+=($!)
"$BIN/otelcol-otelcli" --config collector/config.yaml --feature-gates=ottl.functions.enableLambda >"$work/collector.log" 2>&1 &
pids+=($!)
wait_http "$QUERY/api/services" jaeger
wait_http "http://$OTELCLI_HEALTH_ENDPOINT" collector
echo "  Jaeger v2 (in memory)      query API $QUERY"
echo "  otelcol-otelcli            OTLP/HTTP http://$OTELCLI_OTLP_HTTP_ENDPOINT, metrics http://$OTELCLI_METRICS_ENDPOINT/metrics"

# A fresh user: empty HOME, the CLI pointed at the collector.
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_CACHE_HOME=$work/home/.cache XDG_DATA_HOME=$work/home/.local/share
mkdir -p "$HOME"
unset CI GITHUB_ACTIONS DO_NOT_TRACK OTEL_SDK_DISABLED OTEL_TRACES_EXPORTER CLUSTERCTL_TELEMETRY_DISABLED CLUSTERCTL_TELEMETRY_DELIVERY
export OTEL_EXPORTER_OTLP_ENDPOINT=http://$OTELCLI_OTLP_HTTP_ENDPOINT
cd "$work"

API_KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dc
typed=() ids=() optedout=()
run() { # run <args...>: one command as a user types it; records its execution id
  echo
  echo "${C}\$ clusterctl $*${N}"
  local rc=0
  "$CLUSTERCTL" "$@" 2>&1 | sed 's/^/  /' || rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] || echo "  ${D}(exit $rc)${N}"
  local id
  id=$("$CLUSTERCTL" telemetry show 2>/dev/null | jq -r '.[0].resource["cli.execution.id"] // empty' 2>/dev/null || true)
  if [ -n "$id" ] && ! printf '%s\n' "${ids[@]:-}" | grep -qx "$id"; then
    typed+=("clusterctl $*"); ids+=("$id")
  fi
}
run_optout() {
  echo
  echo "${C}\$ DO_NOT_TRACK=1 clusterctl $*${N}"
  DO_NOT_TRACK=1 "$CLUSTERCTL" "$@" 2>&1 | sed 's/^/  /' || true
  optedout+=("clusterctl $*")
}

echo
echo "${B}== A user's session${N} ${D}(the first run shows the notice and is not recorded)${N}"
run version
run cluster create --provider AWS --region US_EAST_1 --name payments-prod --tier M20
run cluster create --provider GCP --region EUROPE_WEST_1 --name analytics-eu
run cluster list
run cluster delete ghost-cluster
run clustr list
run login --api-key "$API_KEY"
run cluster create --provider AWS --region us-east-1 --name lowercase-region
echo
echo "${B}== The same user, opted out with DO_NOT_TRACK=1${N}"
spooled_before=$(find "$HOME/.cache" -name '*.pb' -path '*spool*' 2>/dev/null | wc -l)
run_optout cluster list
run_optout cluster delete analytics-eu
run_optout login --api-key "$API_KEY"

echo
printf '%s' "${B}== Waiting for the spans to reach Jaeger${N} "
want=${#ids[@]}
traces='{"data":[]}'
for _ in $(seq 1 120); do
  traces=$(curl -fsS "$QUERY/api/traces?service=clusterctl&limit=500&lookback=1h" || echo '{"data":[]}')
  got=$(jq --argjson ids "$(printf '%s\n' "${ids[@]}" | jq -R . | jq -s .)" \
    '[.data[].processes[].tags[] | select(.key=="cli.execution.id") | .value | select(. as $v | $ids | index($v))] | unique | length' <<<"$traces")
  [ "$got" -ge "$want" ] && break
  printf '.'
  sleep 0.5
done
echo " $got of $want recorded runs are in Jaeger"

echo
echo "${B}== What you typed, and what Jaeger received${N} ${D}(read back from $QUERY/api/traces)${N}"
for i in "${!ids[@]}"; do
  echo
  echo "${C}\$ ${typed[$i]}${N}"
  jq -r --arg id "${ids[$i]}" '
    .data[] | .processes as $p | .spans[]
    | select(($p[.processID].tags[] | select(.key=="cli.execution.id") | .value) == $id)
    | select(any(.tags[]; .key=="otel.scope.name" and .value=="github.com/cli-telemetry/otelcli"))
    | (reduce .tags[] as $t ({}; .[$t.key] = $t.value)) as $a
    | "  sent: \(.operationName)  \(.duration/1000 | .*100|round/100) ms  exit \($a["process.exit.code"])"
      + (if $a["error.type"] then "  error.type=\($a["error.type"])" else "" end)
      + (if $a["cli.command.suggestion"] then "  (did you mean: \($a["cli.command.suggestion"]))" else "" end)
      + "\n  attributes: "
      + ([$a | to_entries[] | select(.key | test("^cli\\.(flag\\.|command\\.flags|command\\.args|error\\.chain)|^clusterctl\\."))
          | "\(.key)=\(.value)"] | join("  "))' <<<"$traces"
done

echo
echo "${B}== One span as the backend stores it${N} ${D}(resource: the system, never the person)${N}"
jq --arg id "${ids[0]}" '[.data[] | .processes as $p | .spans[]
  | select(($p[.processID].tags[] | select(.key=="cli.execution.id") | .value) == $id)
  | {operationName, duration_us: .duration, tags: (reduce .tags[] as $t ({}; .[$t.key]=$t.value)),
     resource: (reduce $p[.processID].tags[] as $t ({service: $p[.processID].serviceName}; .[$t.key]=$t.value))}][0]' <<<"$traces" | sed 's/^/  /'

echo
echo "${B}== Checks${N}"
all=$(curl -fsS "$QUERY/api/traces?service=clusterctl&limit=500&lookback=1h")
check "every recorded run reached Jaeger ($want runs)" [ "$got" -ge "$want" ]
total=$(jq '[.data[].processes[].tags[] | select(.key=="cli.execution.id") | .value] | unique | length' <<<"$all")
check "Jaeger holds exactly those runs: the ${#optedout[@]} opted-out runs sent nothing ($total traces)" [ "$total" -eq "$want" ]
spooled_after=$(find "$HOME/.cache" -name '*.pb' -path '*spool*' 2>/dev/null | wc -l)
check "opted-out runs wrote nothing to the spool" [ "$spooled_after" -le "$spooled_before" ]
for secret in "$API_KEY" payments-prod analytics-eu ghost-cluster clustr lowercase-region us-east-1 "$work" "$(id -un)" "$(hostname)"; do
  [ ${#secret} -ge 4 ] || continue
  check "\"$secret\" is nowhere in Jaeger" bash -c '! grep -qF -- "$1" <<<"$2"' _ "$secret" "$all"
done
for kept in AWS US_EAST_1 M20 GCP EUROPE_WEST_1 cluster_not_found unknown_command api_key; do
  check "allowlisted \"$kept\" arrived" grep -qF -- "\"$kept\"" <<<"$all"
done
check "cobra's suggestion was recorded for the typo, never the typo" grep -qF '"cli.command.suggestion","type":"string","value":"cluster"' <<<"$all"
# Span metrics: the collector counts calls per command and error kind. The
# connector flushes every 10 s; wait for the counts of this session.
creates=$(printf '%s\n' "${typed[@]}" | grep -c '^clusterctl cluster create' || true)
calls() { # calls <metrics>: "count<TAB>command<TAB>error.type" per series
  sed -n 's/^cli_calls_total{\(.*\)} \([0-9.e+]*\)$/\2\t\1/p' <<<"$1" | while IFS=$'\t' read -r n labels; do
    cmd=$(grep -o 'cli_command_path="[^"]*"' <<<"$labels" | cut -d'"' -f2 || true)
    et=$(grep -o 'error_type="[^"]*"' <<<"$labels" | cut -d'"' -f2 || true)
    [ -z "$cmd" ] || printf '%s\t%s\t%s\n' "${n%.*}" "$cmd" "$et"
  done
}
printf '  waiting for the span metrics flush '
for _ in $(seq 1 60); do
  metrics=$(curl -fsS "http://$OTELCLI_METRICS_ENDPOINT/metrics" 2>/dev/null || true)
  n=$(calls "$metrics" | awk -F'\t' '$2=="clusterctl cluster create" && $3=="" {print $1}')
  [ "${n:-0}" -ge "$creates" ] && break
  printf '.'; sleep 1
done
echo
check "span metrics count the $creates create runs on the collector's Prometheus endpoint" [ "${n:-0}" -ge "$creates" ]
echo
echo "  ${D}cli_calls_total on http://$OTELCLI_METRICS_ENDPOINT/metrics${N}"
printf '  %-6s %-28s %s\n' calls command error.type
calls "$metrics" | sort -t$'\t' -k2 | while IFS=$'\t' read -r n cmd et; do printf '  %-6s %-28s %s\n' "$n" "$cmd" "$et"; done

if [ "${KEEP:-}" = 1 ]; then
  echo
  echo "${B}KEEP=1:${N} collector and Jaeger keep running. Try:"
  echo "  curl -s '$QUERY/api/traces?service=clusterctl&limit=20' | jq ."
  echo "  curl -s http://$OTELCLI_METRICS_ENDPOINT/metrics | grep cli_"
  echo "  HOME=$HOME OTEL_EXPORTER_OTLP_ENDPOINT=$OTEL_EXPORTER_OTLP_ENDPOINT $CLUSTERCTL cluster list"
  echo "(the web UI of a Jaeger built from Go modules is a placeholder; 'docker compose up' has the full UI)"
  echo "Ctrl-C stops everything."
  while :; do sleep 1; done
fi

echo
if [ "$failures" -eq 0 ]; then
  echo "${G}${B}demo: all checks passed${N}"
else
  echo "${R}${B}demo: $failures checks failed${N}"
  [ "${DEMO_ASSERT:-}" = 1 ] && exit 1
fi
