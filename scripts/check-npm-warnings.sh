#!/usr/bin/env bash
# Fails (exit 1) when an npm output log has an `npm warn` line a user would have to interpret.
#
#   bash scripts/check-npm-warnings.sh <log of `npm ci` or `npm start`>
#
# The one exception is explained, not silenced: on Node < 22, npm prints an EBADENGINE block for
# @prisma/streams-local (it declares node >= 22). Prisma's CLI pulls it in through @prisma/dev, for
# `prisma dev` (a local Prisma Postgres), which this project never runs; on Node 22 and 24 the
# warning does not appear. Any other warning, or that one on Node >= 22, fails.
set -euo pipefail
log="$1"
node_major="$(node -p 'process.versions.node.split(".")[0]')"

# Drop each EBADENGINE block (from "Unsupported engine {" to "}") that names @prisma/streams-local
# when Node is older than 22; print every other `npm warn` line.
unexpected="$(
  awk -v allow_streams_local="$([ "$node_major" -lt 22 ] && echo 1 || echo 0)" '
    /^npm warn EBADENGINE Unsupported engine \{/ { inblock = 1; block = $0; next }
    inblock {
      block = block "\n" $0
      if ($0 ~ /^npm warn EBADENGINE \}/) {
        inblock = 0
        if (allow_streams_local == 1 && block ~ /package: .@prisma\/streams-local@/) { allowed++ }
        else { print block }
      }
      next
    }
    /^npm warn/ { print }
    END {
      if (inblock) print block
      if (allowed) printf "explained: %d EBADENGINE block(s) for @prisma/streams-local on Node < 22 (see DEVELOPMENT.md)\n", allowed > "/dev/stderr"
    }
  ' "$log"
)"

if [ -n "$unexpected" ]; then
  echo "npm printed warnings a user would have to interpret (Node $(node -v)):" >&2
  echo "$unexpected" >&2
  exit 1
fi
echo "no unexplained npm warn line in $(basename "$log") (Node $(node -v))"
