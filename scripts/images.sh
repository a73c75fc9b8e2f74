#!/usr/bin/env bash
# Container images of pgha, built with podman where no Docker engine and no registry exist.
#   scripts/images.sh build    the four images (after ./mvnw -DskipTests package), with their sizes
#   scripts/images.sh base     only the Debian bookworm base image (debootstrap from the configured mirror)
#   scripts/images.sh test     the chart's pods on those images under a failover drill and random kills
#                              (chart-tests ImagesDrillTest; builds what is missing first)
# Images: localhost/pgha/{keeper-service,sentinel-service,proxy-service,admin-api}:$TAG (TAG default: the
# chart's appVersion). With Docker and a registry, the same Dockerfiles build on debian:bookworm-slim (docs/kubernetes.md).
set -euo pipefail
cd "$(dirname "$0")/.."

# The chart's appVersion: what `helm install --set image.registry=localhost/pgha` pulls.
TAG=${TAG:-$(awk '/^appVersion:/ {gsub(/"/, "", $2); print $2}' helm/pgha/Chart.yaml)}
BASE=${BASE_IMAGE:-localhost/pgha-base:bookworm}
SERVICES=(keeper-service sentinel-service proxy-service admin-api)
# What podman needs on these machines: runc (crun fails with hybrid cgroups) and explicit limits (setrlimit to
# the host's defaults is refused).
PODMAN_RUN_OPTS=(--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

log() { printf '[images] %s\n' "$*" >&2; }

ensure_tools() {
  local missing=()
  for t in podman buildah runc debootstrap; do command -v "$t" >/dev/null || missing+=("$t"); done
  if [ ${#missing[@]} -gt 0 ]; then
    # shellcheck source=apt.sh
    . scripts/apt.sh
    apt_install podman buildah runc debootstrap uidmap
  fi
}

# The Debian mirror apt uses on this machine: the base image is made from it, and the images' apt uses it too.
mirror() {
  local m
  m=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$m" ] || m=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  echo "${m:-http://deb.debian.org/debian}"
}

base() {
  if podman image exists "$BASE"; then
    log "base image $BASE present"
    return
  fi
  local rootfs t0=$SECONDS
  rootfs=$(mktemp -d /tmp/pgha-rootfs.XXXXXX)
  log "debootstrap --variant=minbase bookworm from $(mirror) (a few minutes)"
  debootstrap --variant=minbase bookworm "$rootfs" "$(mirror)" >/tmp/pgha-debootstrap.log 2>&1 \
    || { tail -20 /tmp/pgha-debootstrap.log >&2; rm -rf "$rootfs"; exit 1; }
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$(mirror)" "$(mirror)" >"$rootfs/etc/apt/sources.list"
  # As Debian's slim images: no documentation, manual pages or translations, now or from later packages; and
  # nothing of the bootstrap's caches.
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/pgha-slim" <<'SLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
SLIM
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  # The manual's folders stay (empty): some packages' scripts link into them (openjdk into man1).
  find "$rootfs/usr/share/man" -not -type d -delete
  mkdir -p "$rootfs/usr/share/man/man1"
  rm -rf "$rootfs"/usr/share/info/* "$rootfs"/usr/share/lintian/*
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/var/log/*.log
  tar -C "$rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - "$BASE" >/dev/null
  rm -rf "$rootfs"
  log "base image $BASE made in $((SECONDS - t0)) s"
}

build() {
  for s in "${SERVICES[@]}"; do
    [ -f "$s/target/$s.jar" ] || { log "$s/target/$s.jar missing: run ./mvnw -DskipTests package first"; exit 1; }
  done
  base
  local t0=$SECONDS
  for s in "${SERVICES[@]}"; do
    local file=docker/service.Dockerfile
    [ "$s" = keeper-service ] && file=docker/keeper.Dockerfile
    log "building localhost/pgha/$s:$TAG"
    podman build -q "${PODMAN_RUN_OPTS[@]}" --build-arg BASE_IMAGE="$BASE" --build-arg SERVICE="$s" \
      -f "$file" -t "localhost/pgha/$s:$TAG" "$s" >/dev/null
  done
  log "built in $((SECONDS - t0)) s"
  podman image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E "^(localhost/pgha/.*:$TAG|$BASE) "
}

# The chart's etcd runs registry.k8s.io/etcd, which no registry here serves: the test runs the chart's etcd pod
# (its command line, user and volume) on the base image with Debian's etcd binary.
ETCD_TEST_IMAGE=localhost/pgha-test/etcd:test
etcd_image() {
  if podman image exists "$ETCD_TEST_IMAGE"; then
    return
  fi
  command -v etcd >/dev/null || { . scripts/apt.sh; apt_install etcd-server; }
  local ctx
  ctx=$(mktemp -d /tmp/pgha-etcd-image.XXXXXX)
  cp "$(command -v etcd)" "$ctx/etcd"
  printf 'FROM %s\nCOPY etcd /usr/local/bin/etcd\n' "$BASE" >"$ctx/Containerfile"
  podman build -q "${PODMAN_RUN_OPTS[@]}" -t "$ETCD_TEST_IMAGE" "$ctx" >/dev/null
  rm -rf "$ctx"
  log "test image $ETCD_TEST_IMAGE ($(etcd --version | head -1))"
}

test_images() {
  local s missing=0
  for s in "${SERVICES[@]}"; do podman image exists "localhost/pgha/$s:$TAG" || missing=1; done
  if [ "$missing" = 1 ]; then
    [ -f keeper-service/target/keeper-service.jar ] || ./mvnw -B -ntp -q package -DskipTests
    build
  fi
  etcd_image
  # shellcheck source=apt.sh
  . scripts/apt.sh
  # shellcheck source=chart-tools.sh
  . scripts/chart-tools.sh
  ensure_chart_tools
  log "the chart's pods on the images: failover drill and random kills (about 5 minutes)"
  ./mvnw -B -ntp -pl chart-tests -am test -Dtest=ImagesDrillTest -Dsurefire.failIfNoSpecifiedTests=false \
    -Dpgha.images.test=true "$@"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  base) ensure_tools; base ;;
  build) ensure_tools; build ;;
  test) ensure_tools; test_images "$@" ;;
  *) echo "usage: $0 build|base|test" >&2; exit 2 ;;
esac
