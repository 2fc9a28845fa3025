#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests (test/browser/, driven by playwright-core:
# Playwright's own browser download is not needed). Idempotent: does nothing when
# /usr/bin/chromium (or CHROMIUM_PATH) exists. Needs root (or sudo).
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "install-chromium: $("${CHROMIUM_PATH:-/usr/bin/chromium}" --version 2>/dev/null || echo chromium) is installed"
  exit 0
fi
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "install-chromium: installed $(chromium --version)"
