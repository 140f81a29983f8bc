#!/usr/bin/env bash
# Builds Jaeger v2 (all-in-one) from its Go module. `go install` refuses the
# module (its go.mod has replace directives), so the module is downloaded
# through the module proxy, copied to a writable build dir and built there.
set -euo pipefail
version=${1:?version}
out=${2:?output path}
build=$(pwd)/.build/jaeger
echo ">> building Jaeger $version from Go modules (first time: about 5 minutes)"
dir=$(go mod download -json "github.com/jaegertracing/jaeger@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$dir" ] || { echo "jaeger module not downloaded" >&2; exit 1; }
rm -rf "$build" && mkdir -p "$build" "$(dirname "$out")"
cp -r "$dir" "$build/src" && chmod -R u+w "$build/src"
(cd "$build/src" && go build -trimpath -ldflags="-s -w" -o "$out" ./cmd/jaeger) &
pid=$!
# A dot every 10 s, so that a person sees the build is alive.
while kill -0 "$pid" 2>/dev/null; do sleep 10; kill -0 "$pid" 2>/dev/null && printf '.'; done
echo
wait "$pid"
rm -rf "$build"
echo ">> built $out"
