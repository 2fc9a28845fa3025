#!/usr/bin/env bash
# Runs example operations against a running service: see scripts/run-example.ts for the arguments.
set -euo pipefail
cd "$(dirname "$0")/.."
exec npx --no-install tsx scripts/run-example.ts "$@"
