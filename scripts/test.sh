#!/usr/bin/env bash
# The test command: installs what the tests need on a fresh Debian machine (etcd, PostgreSQL 15, as apt
# packages; Maven and the dependencies through ./mvnw) and runs the whole suite with ./mvnw -B verify.
# Works as root (CI) and as a user with sudo. Extra arguments go to Maven, e.g. -pl shared-model.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[test.sh] %s\n' "$*"; }

need=()
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
[ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql-15)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  log "installing ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

log "etcd: $(etcd --version | head -1)"
log "postgres: $(/usr/lib/postgresql/15/bin/postgres --version)"
log "java: $(java -version 2>&1 | head -1)"

exec ./mvnw -B -ntp verify "$@"
