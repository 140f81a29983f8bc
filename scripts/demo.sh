#!/usr/bin/env bash
# make demo: the whole pipeline on this machine, no Docker.
#
#   clusterctl (otelcli) --OTLP/HTTP--> otelcol-otelcli --OTLP/gRPC--> Jaeger
#
# A scripted session of the example CLI runs against the bundled collector,
# which forwards to a real Jaeger (in-memory). What landed is read back
# through Jaeger's query API and shown next to what was typed, and the
# author's usage report is written from it (bin/report/usage.html).
#
#   KEEP=1         leave collector and Jaeger running until Ctrl-C
#   DEMO_ASSERT=1  check what was shown and exit non-zero on any failure (make test)
set -euo pipefail
cd "$(dirname "$0")/.."

ROOT=$PWD
BIN=$ROOT/bin
CLUSTERCTL=$BIN/clusterctl
for b in "$CLUSTERCTL" "$BIN/clusterctl-0.3.0" "$BIN/otelcol-otelcli" "$BIN/jaeger" "$BIN/usage-report"; do
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

# The developer's environment, for the report's test at the end (Go's caches
# live under HOME, and CI=true makes a missing browser an error there).
dev_env=()
for v in HOME XDG_CONFIG_HOME XDG_CACHE_HOME XDG_DATA_HOME CI; do
  if [ -n "${!v:-}" ]; then dev_env+=("$v=${!v}"); else dev_env=(-u "$v" "${dev_env[@]}"); fi
done

# A fresh user: empty HOME, the CLI pointed at the collector.
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_CACHE_HOME=$work/home/.cache XDG_DATA_HOME=$work/home/.local/share
mkdir -p "$HOME"
unset CI GITHUB_ACTIONS DO_NOT_TRACK OTEL_SDK_DISABLED OTEL_TRACES_EXPORTER CLUSTERCTL_TELEMETRY_DISABLED CLUSTERCTL_TELEMETRY_DELIVERY
export OTEL_EXPORTER_OTLP_ENDPOINT=http://$OTELCLI_OTLP_HTTP_ENDPOINT
cd "$work"

API_KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dc
typed=() ids=() optedout=()
# run's environment: RUN_ENV (extra variables), RUN_BIN (the binary), RUN_AS (shown before the prompt).
RUN_ENV=() RUN_BIN=$CLUSTERCTL RUN_AS=
run() { # run <args...>: one command as a user types it; records its execution id and what it sent
  echo
  echo "${C}${RUN_AS:+$RUN_AS }\$ clusterctl $*${N}"
  local rc=0
  env "${RUN_ENV[@]}" "$RUN_BIN" "$@" 2>&1 | sed 's/^/  /' || rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] || echo "  ${D}(exit $rc)${N}"
  record "clusterctl $*" "$rc"
}
record() { # record <typed> <exit code>: the execution id of the last recorded run, and what it sent
  local id shown
  shown=$(env "${RUN_ENV[@]}" "$RUN_BIN" telemetry show 2>/dev/null || true)
  id=$(jq -r '.[0].resource["cli.execution.id"] // empty' <<<"$shown" 2>/dev/null || true)
  if [ -n "$id" ] && ! printf '%s\n' "${ids[@]:-}" | grep -qx "$id"; then
    typed+=("$1"); ids+=("$id")
    # What this run sent, as the CLI itself shows it: the report is checked against it.
    jq -c --argjson exit "$2" --arg context "$RUN_AS" '{exit: $exit, context: $context, sent: .}' <<<"$shown" >>"$work/sent.jsonl"
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
echo "${B}== The same CLI in a CI job and under a coding agent${N} ${D}(the CI job: a fresh home, so a new install, recorded from its first run, on an older release)${N}"
ci=$work/ci-home
RUN_ENV=(CI=true GITHUB_ACTIONS=true HOME="$ci" XDG_CONFIG_HOME="$ci/.config" XDG_CACHE_HOME="$ci/.cache" XDG_DATA_HOME="$ci/.local/share")
RUN_BIN=$BIN/clusterctl-0.3.0 RUN_AS="[GitHub Actions, clusterctl 0.3.0]"
run cluster create --provider AWS --region US_EAST_1 --name ci-smoke-test
run cluster list --output json
RUN_ENV=(CLAUDECODE=1) RUN_BIN=$CLUSTERCTL RUN_AS="[Claude Code]"
run cluster list
run cluster create --provider AZURE --name agent-made
RUN_ENV=() RUN_AS=

echo
echo "${B}== A long-running command${N} ${D}(clusterctl serve reports its usage every 2 s while it runs; a client reports the server's version and a hash of its id)${N}"
echo
echo "${C}\$ clusterctl serve --port 0 --report-interval 2s &${N}"
"$CLUSTERCTL" serve --port 0 --report-interval 2s >"$work/serve.out" 2>&1 &
serve_pid=$!
pids+=("$serve_pid")
for _ in $(seq 1 100); do grep -q Serving "$work/serve.out" && break; sleep 0.1; done
serve_url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/serve.out" | head -n 1)
sed 's/^/  /' "$work/serve.out"
run server info --url "$serve_url"
run logout
sleep 5
echo
echo "${C}\$ kill -INT %1${N} ${D}(the server's own Ctrl-C handling: it shuts down cleanly)${N}"
kill -INT "$serve_pid"
serve_rc=0
wait "$serve_pid" || serve_rc=$?
tail -n +2 "$work/serve.out" | sed 's/^/  /'
record "clusterctl serve --port 0 --report-interval 2s" "$serve_rc"
server_id=$(cat "$HOME/.local/share/clusterctl/server-id")

echo
printf '%s' "${B}== Waiting for the spans to reach Jaeger${N} "
want=${#ids[@]}
traces='{"data":[]}'
for _ in $(seq 1 120); do
  traces=$(curl -fsS "$QUERY/api/traces?service=clusterctl&limit=500&lookback=1h" || echo '{"data":[]}')
  # A run is there when its command span is (a long-running command's
  # snapshots arrive before it).
  got=$(jq --argjson ids "$(printf '%s\n' "${ids[@]}" | jq -R . | jq -s .)" \
    '[.data[] | .processes as $p | .spans[] | select(any(.tags[]; .key=="process.exit.code"))
      | $p[.processID].tags[] | select(.key=="cli.execution.id") | .value | select(. as $v | $ids | index($v))] | unique | length' <<<"$traces")
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
    | if $a["cli.snapshot.sequence"] then "  sent: \(.operationName) #\($a["cli.snapshot.sequence"])  clusters=\($a["clusterctl.clusters.count"])  requests=\($a["clusterctl.requests.served"])" else
      "  sent: \(.operationName)  \(.duration/1000 | .*100|round/100) ms  exit \($a["process.exit.code"])"
      + (if $a["error.type"] then "  error.type=\($a["error.type"])" else "" end)
      + (if $a["cli.command.suggestions"] then "  (did you mean: \($a["cli.command.suggestions"] | fromjson? // . | if type == "array" then join(", ") else . end))" else "" end)
      + "\n  attributes: "
      + ([$a | to_entries[] | select(.key | test("^cli\\.(flag\\.|command\\.flags|command\\.args|error\\.chain)|^clusterctl\\."))
          | "\(.key)=\(.value)"] | join("  ")) end' <<<"$traces"
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
for secret in "$API_KEY" payments-prod analytics-eu ghost-cluster clustr lowercase-region us-east-1 ci-smoke-test agent-made "$work" "$(id -un)" "$(hostname)"; do
  [ ${#secret} -ge 4 ] || continue
  check "\"$secret\" is nowhere in Jaeger" bash -c '! grep -qF -- "$1" <<<"$2"' _ "$secret" "$all"
done
for kept in AWS US_EAST_1 M20 GCP EUROPE_WEST_1 cluster_not_found unknown_command api_key; do
  check "allowlisted \"$kept\" arrived" grep -qF -- "\"$kept\"" <<<"$all"
done
snapshots=$(jq '[.data[].spans[] | select(.operationName=="clusterctl serve snapshot")] | length' <<<"$all")
check "clusterctl serve sent a usage snapshot every period while it ran ($snapshots)" [ "$snapshots" -ge 2 ]
check "the server's version arrived, and its id only as a keyed hash" bash -c \
  'grep -qF "\"key\":\"clusterctl.server.version\",\"type\":\"string\",\"value\":\"0.3.1\"" <<<"$1" && grep -qE "\"key\":\"clusterctl.server.id\",\"type\":\"string\",\"value\":\"h:[0-9a-f]{24}\"" <<<"$1" && ! grep -qF "$2" <<<"$1"' _ "$all" "$server_id"
check "runs while logged in carry the account as a keyed hash, runs after logout none" bash -c \
  '[ "$(jq "[.data[].spans[] | select(any(.tags[]; .key==\"clusterctl.account.id\"))] | length" <<<"$1")" -gt 0 ] && ! grep -q "acct_" <<<"$1"' _ "$all"
check "cobra's suggestion was recorded for the typo, never the typo" grep -qF '"key":"cli.command.suggestions","type":"string","value":"[\"cluster\"]"' <<<"$all"
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
  n=$(calls "$metrics" | awk -F'\t' '$2=="clusterctl cluster create" {n += $1} END {print n + 0}')
  [ "${n:-0}" -ge "$creates" ] && break
  printf '.'; sleep 1
done
echo
check "span metrics count the $creates create runs on the collector's Prometheus endpoint" [ "${n:-0}" -ge "$creates" ]
echo
echo "  ${D}cli_calls_total on http://$OTELCLI_METRICS_ENDPOINT/metrics${N}"
printf '  %-6s %-28s %s\n' calls command error.type
calls "$metrics" | awk -F'\t' '{n[$2 "\t" $3] += $1} END {for (k in n) print n[k] "\t" k}' | sort -t$'\t' -k2 | while IFS=$'\t' read -r n cmd et; do printf '  %-6s %-28s %s\n' "$n" "$cmd" "$et"; done

# The author's view: usage, not traces. Written where it outlives the demo.
echo
echo "${B}== The usage report${N} ${D}(report/: from $QUERY/api/traces, beside the collector's span metrics)${N}"
REPORT=$BIN/report
mkdir -p "$REPORT"
cp "$work/sent.jsonl" "$REPORT/sent.jsonl"        # what the session sent, as the CLI showed it
printf '%s\n' "$all" >"$REPORT/traces.json"        # what Jaeger returned: the report's test reads these
printf '%s\n' "$metrics" >"$REPORT/metrics.txt"    # the collector's span metrics
echo
"$BIN/usage-report" --jaeger "$QUERY" --service clusterctl --since 1h \
  --metrics "http://$OTELCLI_METRICS_ENDPOINT/metrics" \
  --out "$REPORT/usage.html" --json "$REPORT/usage.json" | sed 's/^/  /'
echo
# The report's numbers against what the session sent (sent.jsonl) and ran.
rj=$REPORT/usage.json
sent=$(jq -s 'map(. as $run | first(.sent[] as $rec | $rec.spans[]
  | select(.scope == "github.com/cli-telemetry/otelcli" and .attributes["process.exit.code"] != null)
  | {exit: $run.exit, context: $run.context, resource: $rec.resource, span: .}))' "$REPORT/sent.jsonl")
expect() { jq -r "$1" <<<"$sent"; }
got() { jq -r "$1" "$rj"; }
check "the report counts the $want recorded runs" [ "$(got .recorded_runs)" = "$want" ]
check "runs per command match what was sent" [ \
  "$(got '[.commands[] | "\(.command)=\(.runs)"] | sort | join(", ")')" = \
  "$(expect 'map(.span.attributes["cli.command.path"]) | group_by(.) | map("\(.[0])=\(length)") | sort | join(", ")')" ]
check "the $creates create runs are there" [ "$(got '.commands[] | select(.command=="clusterctl cluster create") | .runs')" = "$creates" ]
check "failures: the runs that exited non-zero ($(expect 'map(select(.exit != 0)) | length'))" [ \
  "$(got .failures)" = "$(expect 'map(select(.exit != 0)) | length')" ]
check "error kinds match what was sent ($(expect '[.[].span.attributes["error.type"] // empty] | unique | join(", ")'))" [ \
  "$(got '[.error_kinds[] | "\(.key)=\(.runs)"] | sort | join(", ")')" = \
  "$(expect '[.[].span.attributes["error.type"] // empty] | group_by(.) | map("\(.[0])=\(length)") | sort | join(", ")')" ]
check "flags per command match what was sent" [ \
  "$(got '[.flags[] | "\(.command) --\(.flag)=\(.runs)"] | sort | join(" ")')" = \
  "$(expect '[.[].span.attributes | .["cli.command.path"] as $c | (.["cli.command.flags"] // [])[] | "\($c) --\(.)"] | group_by(.) | map("\(.[0])=\(length)") | sort | join(" ")')" ]
check "installs: the user's and the CI job's ($(expect '[.[].resource["cli.install.id"]] | unique | length'))" [ \
  "$(got .installs)" = "$(expect '[.[].resource["cli.install.id"]] | unique | length')" ]
check "CI runs: the GitHub Actions job's $(expect 'map(select(.context | test("GitHub"))) | length')" [ \
  "$(got '.ci[] | select(.key=="github_actions") | .runs')" = "$(expect 'map(select(.context | test("GitHub"))) | length')" ]
check "agent runs: Claude Code's $(expect 'map(select(.context | test("Claude"))) | length')" [ \
  "$(got '.agents[] | select(.key=="claude_code") | .runs')" = "$(expect 'map(select(.context | test("Claude"))) | length')" ]
check "versions: 0.3.0 for the CI job, 0.3.1 otherwise" [ \
  "$(got '[.versions[] | "\(.key)=\(.runs)"] | sort | join(" ")')" = \
  "$(expect '[.[].resource["service.version"]] | group_by(.) | map("\(.[0])=\(length)") | sort | join(" ")')" ]
check "the collector's span metrics count the same runs per command" [ "$(got '[.commands[] | select(.collector != .runs)] | length')" = 0 ]
check "the page is self-contained: no external URL in it" bash -c '! grep -Eq "(src|href)=\"(https?:)?//" "$1"' _ "$REPORT/usage.html"
if [ "${DEMO_ASSERT:-}" = 1 ]; then
  # The report module's test renders the page from this session's data, checks its
  # numbers against sent.jsonl, and loads it in headless Chromium when installed.
  check "the report's test passes on this session's data (report/page_test.go, in Chromium when installed)" \
    bash -c 'cd "$1/report" && env "${@:3}" USAGE_REPORT_DEMO_DIR="$2" go test -count=1 -v -run "^TestDemo" . >"$2/test.log" 2>&1 || { sed "s/^/    /" "$2/test.log"; exit 1; }' \
    _ "$ROOT" "$REPORT" "${dev_env[@]}"
  grep -E "SKIP|screenshot:" "$REPORT/test.log" | sed 's/^ */    /' || true
fi
echo
echo "  ${B}Usage report: $REPORT/usage.html${N}"

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
