#!/usr/bin/env bash
# Runs a pgha cluster on this machine: etcd, 3 keepers (PostgreSQL 15), 2 sentinels, a proxy and the admin API,
# by PID, no Docker.
#   scripts/local-cluster.sh up | status | kill-primary | down
# Settings (environment): PGHA_LOCAL_DIR (data and logs, default .cluster), PGHA_LOCAL_BASE_PORT (default
# 15400: etcd +0/+1, proxy read-write +5 and read-only +6, keeper k1..k3 PostgreSQL +11..+13 and HTTP +21..+23,
# sentinels HTTP +31..+32, proxy HTTP +41, admin API +50), PGHA_LOCAL_SPEC (initial cluster spec JSON).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/apt.sh
. scripts/apt.sh
DIR=${PGHA_LOCAL_DIR:-$PWD/.cluster}
BASE=${PGHA_LOCAL_BASE_PORT:-15400}
SPEC=${PGHA_LOCAL_SPEC:-'{"synchronousReplication":true,"minSynchronousStandbys":1,"usePgRewind":true}'}
CLUSTER=local
ETCD=http://127.0.0.1:$BASE
log() { printf '[local-cluster] %s\n' "$*"; }

install_missing() {
  local need=()
  command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
  [ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql-15)
  command -v curl >/dev/null 2>&1 || need+=(curl)
  command -v jq >/dev/null 2>&1 || need+=(jq)
  command -v column >/dev/null 2>&1 || need+=(bsdextrautils)
  apt_install "${need[@]}"
}

build_if_needed() {
  if [ ! -f keeper-service/target/keeper-service.jar ] || [ ! -f sentinel-service/target/sentinel-service.jar ] \
    || [ ! -f proxy-service/target/proxy-service.jar ] || [ ! -f admin-api/target/admin-api.jar ] \
    || [ ! -f cli/target/pghactl.jar ]; then
    log "building the jars (./mvnw -DskipTests package)"
    ./mvnw -B -q -ntp -DskipTests package
  fi
}

start() { # name, command...
  local name=$1; shift
  "$@" >"$DIR/$name.log" 2>&1 &
  echo $! >"$DIR/$name.pid"
}

# launch MODULE: how java runs MODULE — "-XX:SharedArchiveFile=… -Xshare:auto -jar …" with a class data sharing
# archive, made first when missing or older than the jar. As in the images: the jar is extracted (CDS archives
# only classes from plain jars on the class path, not from the jars nested in a Spring Boot jar), a training run
# starts the application up to its refreshed context with placeholder settings (spring.context.exit=onRefresh:
# nothing is started, no store is reached) and archives the classes it loaded; later starts map them instead of
# loading and verifying them again (docs/benchmarks.md, "Service start"). A failed training run only costs the
# speed-up: the fat jar runs as before.
launch() {
  local module=$1 jar=$1/target/$1.jar out=$1/target/cds work user_args=()
  local jsa=$out/$1.jsa
  [ "$(id -u)" -eq 0 ] && user_args=(--pgha.keeper.pg.os-user=postgres)
  if [ ! -s "$jsa" ] || [ "$jar" -nt "$jsa" ]; then
    work=$(mktemp -d /tmp/pgha-cds.XXXXXX)
    echo cds-training >"$work/pw"; chmod 600 "$work/pw"; chmod 755 "$work"
    rm -rf "$out"
    { java -Djarmode=tools -jar "$jar" extract --destination "$out" \
      && java -Xmx256m -XX:ArchiveClassesAtExit="$jsa" -Dspring.context.exit=onRefresh -jar "$out/$1.jar" \
        --pgha.cluster-name=cds-training --pgha.store.endpoints=http://127.0.0.1:1 --server.port=0 \
        --pgha.admin.auth.operator-token=cds-training --pgha.keeper.data-dir="$work/data" \
        --pgha.keeper.pg.superuser.password-file="$work/pw" --pgha.keeper.pg.replication.password-file="$work/pw" \
        "${user_args[@]}"; } >"$work/log" 2>&1 \
      || { log "no class data archive for $module (training run failed: $(tail -1 "$work/log"))" >&2; rm -f "$jsa"; }
    rm -rf "$work"
  fi
  if [ -s "$jsa" ]; then echo "-XX:SharedArchiveFile=$jsa -Xshare:auto -jar $out/$1.jar"; else echo "-jar $jar"; fi
}

alive() { [ -f "$DIR/$1.pid" ] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; }

keeper_args() { # i
  local i=$1 user_args=()
  [ "$(id -u)" -eq 0 ] && user_args=(--pgha.keeper.pg.os-user=postgres)
  echo --pgha.cluster-name=$CLUSTER --pgha.store.endpoints=$ETCD --server.port=$((BASE + 20 + i)) \
    --pgha.keeper.uid=k$i --pgha.keeper.data-dir="$DIR/k$i" --pgha.keeper.pg.port=$((BASE + 10 + i)) \
    --pgha.keeper.pg.superuser.password-file="$DIR/superuser.pw" \
    --pgha.keeper.pg.replication.password-file="$DIR/replication.pw" "${user_args[@]}"
}

primary() { # prints the keeper number whose /primary answers 200
  for i in 1 2 3; do
    if [ "$(curl -s -m 1 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((BASE + 20 + i))/primary")" = 200 ]; then
      echo "$i"; return 0
    fi
  done
  return 1
}

up() {
  install_missing
  build_if_needed
  mkdir -p "$DIR"; chmod 755 "$DIR"
  [ -f "$DIR/superuser.pw" ] || head -c 12 /dev/urandom | base64 | tr -d '/+=' >"$DIR/superuser.pw"
  [ -f "$DIR/replication.pw" ] || head -c 12 /dev/urandom | base64 | tr -d '/+=' >"$DIR/replication.pw"
  [ -f "$DIR/operator.token" ] || head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$DIR/operator.token"
  chmod 600 "$DIR"/*.pw
  local keeper sentinel proxy admin
  log "class data sharing archives (made once per build, ~10 s each)"
  keeper=$(launch keeper-service); sentinel=$(launch sentinel-service)
  proxy=$(launch proxy-service); admin=$(launch admin-api)
  alive etcd || start etcd etcd --name local --data-dir "$DIR/etcd" --listen-client-urls $ETCD \
    --advertise-client-urls $ETCD --listen-peer-urls http://127.0.0.1:$((BASE + 1)) \
    --initial-advertise-peer-urls http://127.0.0.1:$((BASE + 1)) \
    --initial-cluster local=http://127.0.0.1:$((BASE + 1))
  for i in 1 2 3; do
    # shellcheck disable=SC2046
    alive k$i || start k$i java -Xmx256m $keeper $(keeper_args $i)
  done
  for i in 1 2; do
    alive s$i || start s$i java -Xmx256m $sentinel \
      --pgha.cluster-name=$CLUSTER --pgha.store.endpoints=$ETCD --server.port=$((BASE + 30 + i)) \
      --pgha.sentinel.uid=s$i --pgha.sentinel.initial-cluster-spec="$SPEC"
  done
  alive p1 || start p1 java -Xmx256m $proxy --pgha.cluster-name=$CLUSTER \
    --pgha.store.endpoints=$ETCD --server.port=$((BASE + 41)) --pgha.proxy.uid=p1 \
    --pgha.proxy.listen-address=127.0.0.1 --pgha.proxy.port=$((BASE + 5)) --pgha.proxy.read-only-port=$((BASE + 6))
  alive admin || start admin java -Xmx256m $admin --pgha.cluster-name=$CLUSTER \
    --pgha.store.endpoints=$ETCD --server.port=$((BASE + 50)) --pgha.admin.auth.operator-token-file="$DIR/operator.token"
  log "waiting for a primary and two streaming standbys (first start: initdb and base backups)"
  local deadline=$((SECONDS + 300)) p=""
  while [ $SECONDS -lt $deadline ]; do
    p=$(primary || true)
    local standbys=0
    for i in 1 2 3; do
      [ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((BASE + 20 + i))/replica")" = 200 ] && standbys=$((standbys + 1))
    done
    [ -n "$p" ] && [ $standbys -eq 2 ] && break
    sleep 2
  done
  [ -n "$p" ] || { log "no primary after 5 minutes: see $DIR/*.log"; exit 1; }
  while [ $SECONDS -lt $deadline ] \
    && [ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((BASE + 50))/actuator/health/readiness")" != 200 ]; do
    sleep 1
  done
  status
  cat <<MSG

Connect (password in $DIR/superuser.pw):
  primary, through the proxy (follows failovers):
            PGPASSWORD=\$(cat $DIR/superuser.pw) psql -h 127.0.0.1 -p $((BASE + 5)) -U postgres
  reads spread over the standbys: port $((BASE + 6))
  pghactl:  export PGHA_ADMIN_URL=http://127.0.0.1:$((BASE + 50)) PGHA_TOKEN_FILE=$DIR/operator.token
            bin/pghactl status      (pghactl --help lists every command; docs/cli.md)
  admin API: curl -H "Authorization: Bearer \$(cat $DIR/operator.token)" http://127.0.0.1:$((BASE + 50))/api/v1/cluster
            (Swagger UI: http://127.0.0.1:$((BASE + 50))/swagger-ui.html)
  one node directly: ports $((BASE + 11)) $((BASE + 12)) $((BASE + 13)); /primary and /replica on HTTP ports $((BASE + 21))-$((BASE + 23))
Logs: $DIR/{etcd,k1,k2,k3,s1,s2,p1,admin}.log      Stop: scripts/local-cluster.sh down
MSG
}

# The cluster view from the admin API (GET /api/v1/cluster) as tables, plus whether each local process runs.
status() {
  local view
  view=$(curl -s -m 3 -H "Authorization: Bearer $(cat "$DIR/operator.token" 2>/dev/null)" \
    "http://127.0.0.1:$((BASE + 50))/api/v1/cluster") || view=
  if ! printf '%s' "$view" | jq -e .keepers >/dev/null 2>&1; then
    log "admin API not answering on port $((BASE + 50)): ${view:-no answer}"
  else
    printf '%s' "$view" | jq -r '"cluster \(.name)  phase=\(.phase)  primary=\(.primaryKeeper // "-")" +
      (if .paused then "  PAUSED" else "" end) +
      (if .operation then "  operation=\(.operation.type) \(.operation.state)" else "" end) +
      (if .message then "  (\(.message))" else "" end)'
    { echo "KEEPER ROLE HEALTHY ALIVE SYNC ADDRESS TIMELINE WAL LAG_BYTES PRIORITY"
      printf '%s' "$view" | jq -r '.keepers[] | [.uid, (.role // "-"), .healthy, .alive, .synchronous,
        (.address // "-"), (.timeline // "-"), (.walPosition // "-"), (.lagBytes // "-"), .priority] | @tsv' \
        | tr '\t' ' '
    } | column -t
    printf '%s' "$view" | jq -r '"proxies:   " + ([.proxies[] | "\(.uid) listening=\(.listening) acknowledged=\(.acknowledged)"]
      | join(", ")), "sentinels: " + ([.sentinels[] | .uid + (if .leader then " (leader)" else "" end)] | join(", "))'
  fi
  local n line=
  for n in etcd k1 k2 k3 s1 s2 p1 admin; do
    line+="$n=$(alive $n && echo up || echo DOWN) "
  done
  echo "processes: $line"
}

kill_primary() {
  local p; p=$(primary) || { log "no primary right now"; exit 1; }
  log "SIGKILL keeper k$p and its PostgreSQL"
  kill -9 "$(cat "$DIR/k$p.pid")" 2>/dev/null || true
  kill -9 "$(head -1 "$DIR/k$p/postgres/postmaster.pid")" 2>/dev/null || true
}

down() {
  for n in admin p1 s1 s2 k1 k2 k3; do
    alive $n && kill -9 "$(cat "$DIR/$n.pid")" 2>/dev/null || true
  done
  for i in 1 2 3; do
    [ -f "$DIR/k$i/postgres/postmaster.pid" ] && kill -9 "$(head -1 "$DIR/k$i/postgres/postmaster.pid")" 2>/dev/null || true
  done
  alive etcd && kill "$(cat "$DIR/etcd.pid")" 2>/dev/null || true
  sleep 1
  rm -rf "$DIR"
  log "stopped and removed $DIR"
}

case "${1:-}" in
  up) up ;;
  status) status ;;
  kill-primary) kill_primary ;;
  down) down ;;
  *) echo "usage: $0 up|status|kill-primary|down" >&2; exit 2 ;;
esac
