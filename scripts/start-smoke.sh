#!/usr/bin/env bash
# `npm start` as a new user runs it, twice, on a fresh embedded database: each start must serve
# GET /healthz, print no `npm warn` line, and the second must not rebuild (nothing changed: no
# prisma generate, no tsc output, no web build).
# Prints how long each start took until it served.
#
#   bash scripts/start-smoke.sh            (PORT defaults to 4100)
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PORT:-4100}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

start_once() { # <label> -> prints seconds until /healthz answered 200
  local label="$1" log="$work/$1.log" began pid
  began="$(date +%s%N)"
  PORT="$port" HOST=127.0.0.1 DATA_DIR="$work/data" MODELS_AUTO_DOWNLOAD=false setsid npm start >"$log" 2>&1 &
  pid=$!
  until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null || [ $(($(date +%s%N) - began)) -gt 180000000000 ]; then
      echo "start-smoke: $label start did not serve /healthz:" >&2
      cat "$log" >&2
      kill -KILL -- "-$pid" 2>/dev/null || true
      return 1
    fi
    sleep 0.1
  done
  local ms=$((($(date +%s%N) - began) / 1000000))
  # Stop the whole process group (npm and the service); give it a moment, then force.
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  bash scripts/check-npm-warnings.sh "$log" >/dev/null
  printf 'start-smoke: %s npm start served /healthz after %d.%03d s\n' "$label" $((ms / 1000)) $((ms % 1000))
}

start_once first
built="$(stat -c '%y %n' dist/src/main.js dist/tsconfig.build.tsbuildinfo src/generated/prisma/client.ts dist/web/index.html)"
start_once second
if [ "$built" != "$(stat -c '%y %n' dist/src/main.js dist/tsconfig.build.tsbuildinfo src/generated/prisma/client.ts dist/web/index.html)" ]; then
  echo "start-smoke: the second npm start rebuilt although nothing changed:" >&2
  cat "$work/second.log" >&2
  exit 1
fi
echo "start-smoke: the second start rebuilt nothing; neither start printed an npm warn line"
