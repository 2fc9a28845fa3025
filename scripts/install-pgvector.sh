#!/usr/bin/env bash
# Installs pgvector into the local Debian PostgreSQL server.
#
# Debian 12 packages no pgvector for PostgreSQL 15; Debian 13 ships it as the source package
# `pgvector`. We add that release's deb-src entry, reusing the mirror URI this machine's apt
# sources already use (no host name lives in this repository), build it against
# postgresql-server-dev-<major> and install it. Idempotent: does nothing when the extension is
# already available to the server. Needs root (or sudo).
set -euo pipefail

SOURCE_SUITE="${PGVECTOR_SOURCE_SUITE:-trixie}"
SRC_LIST=/etc/apt/sources.list.d/pgvector-src.sources

log() { printf 'install-pgvector: %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

pg_major() {
  if [ -n "${PG_MAJOR:-}" ]; then echo "$PG_MAJOR"; return; fi
  # The newest cluster version configured on this machine.
  ls /etc/postgresql 2>/dev/null | sort -n | tail -n 1
}

MAJOR="$(pg_major)"
[ -n "$MAJOR" ] || { log "no PostgreSQL installation found under /etc/postgresql"; exit 1; }
SHAREDIR="/usr/share/postgresql/$MAJOR"

if [ -f "$SHAREDIR/extension/vector.control" ]; then
  log "pgvector already installed for PostgreSQL $MAJOR ($(grep default_version "$SHAREDIR/extension/vector.control"))"
  exit 0
fi

mirror_uri() {
  # First Debian (non-security) mirror URI, from deb822 .sources files or one-line .list files.
  local uri
  uri="$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
    /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)"
  if [ -z "$uri" ]; then
    uri="$(grep -hE '^deb(-src)? ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
      | grep -v security | grep -E '/debian/?( |$)' | awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file|mirror):/) { print $i; exit } }' | head -n 1)"
  fi
  echo "$uri"
}

URI="$(mirror_uri)"
[ -n "$URI" ] || { log "could not find a Debian mirror URI in the apt sources"; exit 1; }
log "using mirror $URI, suite $SOURCE_SUITE (deb-src only)"

cleanup() { as_root rm -f "$SRC_LIST"; }
trap cleanup EXIT

as_root tee "$SRC_LIST" >/dev/null <<SRC
Types: deb-src
URIs: $URI
Suites: $SOURCE_SUITE
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC

as_root apt-get update -qq
as_root apt-get install -y -qq --no-install-recommends \
  "postgresql-server-dev-$MAJOR" dpkg-dev make gcc >/dev/null

BUILD_DIR="$(mktemp -d)"
chmod 755 "$BUILD_DIR" # apt downloads sources as the _apt user
trap 'cleanup; rm -rf "$BUILD_DIR"' EXIT
cd "$BUILD_DIR"
apt-get source -qq pgvector >/dev/null
cd "$(find . -maxdepth 1 -mindepth 1 -type d -name 'pgvector-*' | head -n 1)"
PG_CONFIG="/usr/lib/postgresql/$MAJOR/bin/pg_config"
# OPTFLAGS="" avoids -march=native so the build runs on any CPU of this kind.
make -s PG_CONFIG="$PG_CONFIG" OPTFLAGS="" >/dev/null
as_root make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
log "installed pgvector $(grep default_version "$SHAREDIR/extension/vector.control" | tr -d "'" | awk '{print $3}') for PostgreSQL $MAJOR"
