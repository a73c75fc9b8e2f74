#!/usr/bin/env bash
# Start time of the four container images with and without class data sharing (the CDS archive each Dockerfile
# makes in a training run; CDS=false builds without it): each image is run ROUNDS times (default 3), alternating
# with and without, on the host network against an etcd started here; measured: from `podman start` to the
# service's /actuator/health/liveness answering 200, Spring Boot's "Started … in", and the container's memory 5 s
# later. Writes the "image-startup" section of docs/benchmarks.md. Builds the images first (scripts/images.sh).
#   bench/image-startup.sh [--rounds N]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
parse_rounds "$@"
log() { printf '[image-startup] %s\n' "$*" >&2; }
TAG=$(awk '/^appVersion:/ {gsub(/"/, "", $2); print $2}' helm/pgha/Chart.yaml)
BASE=localhost/pgha-base:bookworm
PODMAN=(podman --runtime runc)
RUN_OPTS=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --network host)
WORK=$(mktemp -d /tmp/pgha-image-startup.XXXXXX)
ETCD_PORT=23791

bash scripts/images.sh build >/dev/null
log "building the images without CDS (tag $TAG-nocds)"
"${PODMAN[@]}" build -q --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --build-arg BASE_IMAGE=$BASE \
  --build-arg CDS=false -f docker/keeper.Dockerfile -t "localhost/pgha/keeper-service:$TAG-nocds" keeper-service >/dev/null
for s in sentinel-service proxy-service admin-api; do
  "${PODMAN[@]}" build -q --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --build-arg BASE_IMAGE=$BASE \
    --build-arg CDS=false --build-arg SERVICE=$s -f docker/service.Dockerfile -t "localhost/pgha/$s:$TAG-nocds" $s >/dev/null
done

etcd --data-dir "$WORK/etcd" --listen-client-urls http://127.0.0.1:$ETCD_PORT \
  --advertise-client-urls http://127.0.0.1:$ETCD_PORT --listen-peer-urls http://127.0.0.1:$((ETCD_PORT + 1)) \
  --initial-advertise-peer-urls http://127.0.0.1:$((ETCD_PORT + 1)) \
  --initial-cluster default=http://127.0.0.1:$((ETCD_PORT + 1)) >"$WORK/etcd.log" 2>&1 &
ETCD_PID=$!
trap '"${PODMAN[@]}" rm -f -t 0 pgha-startup >/dev/null 2>&1 || true; kill $ETCD_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
mkdir -p "$WORK/secrets" && echo bench-only >"$WORK/secrets/pw" && chmod 600 "$WORK/secrets/pw"
chown -R 999:999 "$WORK/secrets"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# measure SERVICE IMAGE: prints "up_s started_s mem_mb"
measure() {
  local svc=$1 image=$2 port args=() t0 t1 deadline started mem
  local common=(--env PGHA_CLUSTER_NAME=bench --env PGHA_STORE_ENDPOINTS=http://127.0.0.1:$ETCD_PORT)
  case $svc in
    keeper-service) port=18431
      rm -rf "$WORK/data" && mkdir -p "$WORK/data" && chown 999:999 "$WORK/data"
      args=(--env SERVER_PORT=$port --env PGHA_KEEPER_UID=bench --env PGHA_KEEPER_DATA_DIR=/var/lib/pgha
        --env PGHA_KEEPER_PG_PORT=15999 -v "$WORK/data:/var/lib/pgha" -v "$WORK/secrets:/etc/pgha/secrets:ro"
        --env PGHA_KEEPER_PG_SUPERUSER_PASSWORD_FILE=/etc/pgha/secrets/pw
        --env PGHA_KEEPER_PG_REPLICATION_PASSWORD_FILE=/etc/pgha/secrets/pw) ;;
    sentinel-service) port=18432; args=(--env SERVER_PORT=$port --env PGHA_SENTINEL_UID=bench) ;;
    proxy-service) port=18433; args=(--env SERVER_PORT=$port --env PGHA_PROXY_UID=bench --env PGHA_PROXY_PORT=15998
      --env PGHA_PROXY_READ_ONLY_PORT=15997) ;;
    admin-api) port=18080; args=(--env SERVER_PORT=$port --env PGHA_ADMIN_AUTH_OPERATOR_TOKEN=bench-only) ;;
  esac
  "${PODMAN[@]}" rm -f -t 0 pgha-startup >/dev/null 2>&1 || true
  "${PODMAN[@]}" create --name pgha-startup "${RUN_OPTS[@]}" --memory 384m "${common[@]}" "${args[@]}" "$image" >/dev/null
  t0=$(now_ms)
  "${PODMAN[@]}" start pgha-startup >/dev/null
  deadline=$((SECONDS + 120))
  until [ "$(curl -s -m 1 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/actuator/health/liveness")" = 200 ]; do
    [ $SECONDS -lt $deadline ] || { "${PODMAN[@]}" logs pgha-startup | tail -20 >&2; log "$image not up in 120 s"; exit 1; }
    sleep 0.05
  done
  t1=$(now_ms)
  sleep 5
  started=$("${PODMAN[@]}" logs pgha-startup 2>&1 | grep -o 'Started [A-Za-z]* in [0-9.]* seconds' | tail -1 | awk '{print $4}')
  mem=$("${PODMAN[@]}" stats --no-stream --format '{{.MemUsage}}' pgha-startup | awk '{v = $1
    if (v ~ /GB$/) { sub(/GB$/, "", v); v *= 1024 } else if (v ~ /kB$/) { sub(/kB$/, "", v); v /= 1024 } else sub(/MB$/, "", v)
    printf "%d", v}')
  "${PODMAN[@]}" rm -f -t 0 pgha-startup >/dev/null
  awk -v ms=$((t1 - t0)) -v s="$started" -v m="$mem" 'BEGIN {printf "%.1f %.1f %s\n", ms / 1000, s, m}'
}

declare -A rows
for round in $(seq 1 "$ROUNDS"); do
  for svc in keeper-service sentinel-service proxy-service admin-api; do
    for variant in cds nocds; do
      image=localhost/pgha/$svc:$TAG
      [ $variant = nocds ] && image=$image-nocds
      r=$(measure $svc "$image")
      log "round $round $svc $variant: up_s started_s memory = $r"
      rows[$svc/$variant]+="$r;"
    done
  done
done

median() { tr ' ' '\n' | sort -n | awk 'NF {a[++n] = $1} END {print (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2}'; }
col() { printf '%s' "$1" | tr ';' '\n' | awk -v c="$2" 'NF {print $c}' | tr '\n' ' '; }
size() { "${PODMAN[@]}" image ls --format '{{.Size}}' "$1" | head -1; }

table="<!-- image-startup:start -->
## Service start in the container images: with and without class data sharing

\`bench/image-startup.sh --rounds $ROUNDS\` on $(date -u +%Y-%m-%d), $(nproc) cores: each image started alone
(\`podman start\`, host network, \`--memory 384m\`, an idle etcd, no cluster yet), with and without its CDS archive
alternately ($ROUNDS rounds; *without*: the same Dockerfile with \`CDS=false\`). *Up*: from \`podman start\` to
\`/actuator/health/liveness\` answering 200; *Started in*: Spring Boot's figure; memory: \`podman stats\` 5 s
later. Medians.

| image | up, CDS (s) | up, no CDS (s) | Started in, CDS (s) | Started in, no CDS (s) | memory, CDS / no CDS | size CDS / no CDS |
|---|---|---|---|---|---|---|"
for svc in keeper-service sentinel-service proxy-service admin-api; do
  c=${rows[$svc/cds]}; n=${rows[$svc/nocds]}
  table+="
| $svc | $(col "$c" 1 | median) | $(col "$n" 1 | median) | $(col "$c" 2 | median) | $(col "$n" 2 | median) | $(col "$c" 3 | median) / $(col "$n" 3 | median) MB | $(size localhost/pgha/$svc:$TAG) / $(size localhost/pgha/$svc:$TAG-nocds) |"
done
table+="
<!-- image-startup:end -->"
write_section image-startup "$table"
printf '%s\n' "$table"
