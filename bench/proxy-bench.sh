#!/usr/bin/env bash
# Proxy throughput: pgbench select-only (-S, 16 clients) against one PostgreSQL 15, directly, through pgha's
# read-write listener and through HAProxy 2.6 in TCP mode, interleaved in the same run and repeated.
# Prints TPS and average latency per run and the ratios, and writes the table to docs/benchmarks.md.
#   bench/proxy-bench.sh            (BENCH_DURATION=20 seconds per pgbench run, BENCH_ROUNDS=3, BENCH_CLIENTS=16, BENCH_WARMUP=30)
#   BENCH_PROXY_ARGS / BENCH_PROXY_JAVA_OPTS: extra arguments for the pgha proxy
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/apt.sh
. scripts/apt.sh
# shellcheck source=bench/lib.sh
. bench/lib.sh
DURATION=${BENCH_DURATION:-20}
ROUNDS=${BENCH_ROUNDS:-3}
CLIENTS=${BENCH_CLIENTS:-16}
PG_BIN=/usr/lib/postgresql/15/bin
BASE=${BENCH_BASE_PORT:-16400}
ETCD_PORT=$BASE; PG_PORT=$((BASE + 2)); PGHA_PORT=$((BASE + 3)); HAPROXY_PORT=$((BASE + 4)); HTTP_PORT=$((BASE + 5))
WORK=$(mktemp -d /tmp/pgha-bench.XXXXXX)
chmod 755 "$WORK"
log() { printf '[proxy-bench] %s\n' "$*" >&2; }
trap 'log "failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

install_missing() {
  local need=()
  command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
  [ -x $PG_BIN/postgres ] || need+=(postgresql-15)
  command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
  command -v curl >/dev/null 2>&1 || need+=(curl)
  apt_install "${need[@]}"
  # Debian starts a default HAProxy service on install; this benchmark runs its own.
  if command -v systemctl >/dev/null 2>&1; then systemctl stop haproxy >/dev/null 2>&1 || true; fi
}

cleanup() {
  for f in "$WORK"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  [ -f "$WORK/pg/postmaster.pid" ] && kill -QUIT "$(head -1 "$WORK/pg/postmaster.pid")" 2>/dev/null || true
  sleep 1
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_for() { # description, seconds, command...
  local what=$1 secs=$2; shift 2
  for _ in $(seq $((secs * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  log "timed out waiting for $what"; return 1
}

install_missing
if [ ! -f proxy-service/target/proxy-service.jar ]; then
  log "building proxy-service.jar"
  ./mvnw -B -q -ntp -DskipTests package -pl proxy-service -am
fi

log "etcd on $ETCD_PORT, PostgreSQL on $PG_PORT (work dir $WORK)"
etcd --name bench --data-dir "$WORK/etcd" --listen-client-urls http://127.0.0.1:$ETCD_PORT \
  --advertise-client-urls http://127.0.0.1:$ETCD_PORT --listen-peer-urls http://127.0.0.1:$((BASE + 1)) \
  --initial-advertise-peer-urls http://127.0.0.1:$((BASE + 1)) \
  --initial-cluster bench=http://127.0.0.1:$((BASE + 1)) >"$WORK/etcd.log" 2>&1 &
echo $! >"$WORK/etcd.pid"

mkdir -p "$WORK/pg"; [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$WORK/pg"; chmod 700 "$WORK/pg"
as_pg $PG_BIN/initdb -D "$WORK/pg" -U postgres --auth=trust --no-sync -E UTF8 --locale=C >/dev/null
cat >>"$WORK/pg/postgresql.conf" <<CONF
port = $PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK/pg'
max_connections = 100
shared_buffers = 128MB
CONF
as_pg $PG_BIN/pg_ctl -D "$WORK/pg" -l "$WORK/pg/server.log" -w start >/dev/null
as_pg $PG_BIN/pgbench -i -s 10 -q -h 127.0.0.1 -p $PG_PORT -U postgres postgres >/dev/null 2>&1

# The cluster data a sentinel would write: db1 on PG_PORT is the master, named to the proxies.
b64() { printf '%s' "$1" | base64 -w0; }
CD='{"formatVersion":1,"cluster":{"uid":"bench","generation":1,"spec":{},"status":{"phase":"normal","master":"db1"}},
"keepers":{"k1":{"uid":"k1","generation":1,"spec":{"priority":1},"status":{"healthy":true}}},
"dbs":{"db1":{"uid":"db1","generation":1,"spec":{"keeperUid":"k1","role":"master"},
"status":{"healthy":true,"currentGeneration":1,"listenAddress":"127.0.0.1","port":'$PG_PORT'}}},
"proxy":{"generation":1,"spec":{"masterDbUid":"db1"}}}'
wait_for "etcd" 30 curl -sf http://127.0.0.1:$ETCD_PORT/health
curl -sf -X POST http://127.0.0.1:$ETCD_PORT/v3/kv/put \
  -d "{\"key\":\"$(b64 pgha/bench/clusterdata)\",\"value\":\"$(b64 "$CD")\"}" >/dev/null

java ${BENCH_PROXY_JAVA_OPTS:-} -jar proxy-service/target/proxy-service.jar --pgha.cluster-name=bench \
  --pgha.store.endpoints=http://127.0.0.1:$ETCD_PORT --server.port=$HTTP_PORT --pgha.proxy.uid=bench \
  --pgha.proxy.listen-address=127.0.0.1 --pgha.proxy.port=$PGHA_PORT ${BENCH_PROXY_ARGS:-} >"$WORK/proxy.log" 2>&1 &
echo $! >"$WORK/proxy.pid"

cat >"$WORK/haproxy.cfg" <<CFG
global
  maxconn 1000
defaults
  mode tcp
  timeout connect 5s
  timeout client 1h
  timeout server 1h
frontend pg
  bind 127.0.0.1:$HAPROXY_PORT
  default_backend pg
backend pg
  server db1 127.0.0.1:$PG_PORT
CFG
haproxy -f "$WORK/haproxy.cfg" -D -p "$WORK/haproxy.pid"

pgready() { $PG_BIN/psql -h 127.0.0.1 -p "$1" -U postgres -Atc 'select 1' postgres; }
wait_for "pgha proxy" 60 pgready $PGHA_PORT
wait_for "haproxy" 10 pgready $HAPROXY_PORT
TRANSPORT=$(curl -s http://127.0.0.1:$HTTP_PORT/actuator/health/proxy | grep -o '"transport":"[a-z]*"' | cut -d'"' -f4)
HAPROXY_VERSION=$(haproxy -v 2>&1 | awk 'NR == 1 {print $3}')

cpu_ticks() { [ -n "$1" ] && awk '{print $14 + $15}' "/proc/$1/stat" || echo 0; }
run() { # port seconds [pid] -> "tps latency_ms proxy_cpu_us_per_tx"
  local before after out
  before=$(cpu_ticks "${3:-}")
  out=$($PG_BIN/pgbench -n -S -c "$CLIENTS" -j 2 -T "$2" -h 127.0.0.1 -p "$1" -U postgres postgres 2>/dev/null)
  after=$(cpu_ticks "${3:-}")
  echo "$out" | awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
    /^latency average/ {lat=$4} /^tps/ {tps=$3} /actually processed/ {tx=$NF}
    END {printf "%.0f %.3f %.1f\n", tps, lat, (tx > 0 ? ticks * 1e6 / hz / tx : 0)}'
}
declare -A PORT=([direct]=$PG_PORT [pgha]=$PGHA_PORT [haproxy]=$HAPROXY_PORT)
declare -A PID=([direct]="" [pgha]=$(cat "$WORK/proxy.pid") [haproxy]=$(cat "$WORK/haproxy.pid"))
WARMUP=${BENCH_WARMUP:-30}
log "warming up each target for $WARMUP s (the JVM's JIT needs ~30 s of load to finish compiling the data path)"
for t in direct pgha haproxy; do run "${PORT[$t]}" "$WARMUP" >/dev/null; done

ROWS=()
for r in $(seq "$ROUNDS"); do
  declare -A TPS=() LAT=() CPU=()
  for t in direct pgha haproxy; do
    read -r tps lat cpu < <(run "${PORT[$t]}" "$DURATION" "${PID[$t]}")
    TPS[$t]=$tps; LAT[$t]=$lat; CPU[$t]=$cpu
    log "round $r $t: $tps tps, $lat ms, proxy CPU $cpu us/transaction"
  done
  ROWS+=("$(awk -v r="$r" -v d="${TPS[direct]}" -v p="${TPS[pgha]}" -v h="${TPS[haproxy]}" \
    -v dl="${LAT[direct]}" -v pl="${LAT[pgha]}" -v hl="${LAT[haproxy]}" -v pc="${CPU[pgha]}" -v hc="${CPU[haproxy]}" 'BEGIN {
      printf "| %d | %d (%.3f ms) | %d (%.3f ms) | %d (%.3f ms) | %.2f | %.2f | %.2f | %.1f | %.1f |", r, d, dl, p, pl, h, hl, p/d, h/d, p/h, pc, hc }')")
done

# ---- idle connections: what thousands of open, silent connections cost the proxy -------------------------
IDLE=${BENCH_IDLE_CONNECTIONS:-2000}
SINK_PORT=$((BASE + 6))
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
heap_mb() { # live heap after a full GC
  jcmd "$1" GC.run >/dev/null 2>&1 || true
  jcmd "$1" GC.heap_info 2>/dev/null | awk '/used/ {for (i = 1; i <= NF; i++) if ($i == "used") {v = $(i + 1); sub(/K,?/, "", v); print int(v / 1024); exit}}'
}
PROXY_PID=$(cat "$WORK/proxy.pid")
mkfifo "$WORK/idle.in"
java bench/IdleConnections.java "$SINK_PORT" "$PGHA_PORT" "$IDLE" <"$WORK/idle.in" >"$WORK/idle.out" 2>&1 &
echo $! >"$WORK/idle.pid"
exec 7>"$WORK/idle.in"
wait_for "the idle-connection client" 30 grep -q listening "$WORK/idle.out"
CD_SINK=${CD//\"port\":$PG_PORT/\"port\":$SINK_PORT}
CD_SINK=${CD_SINK//\"generation\":1,\"spec\":\{\"masterDbUid\"/\"generation\":2,\"spec\":\{\"masterDbUid\"}
curl -sf -X POST http://127.0.0.1:$ETCD_PORT/v3/kv/put \
  -d "{\"key\":\"$(b64 pgha/bench/clusterdata)\",\"value\":\"$(b64 "$CD_SINK")\"}" >/dev/null
wait_for "the proxy to route to the sink" 10 sh -c "curl -s http://127.0.0.1:$HTTP_PORT/actuator/health/proxy | grep -q ':$SINK_PORT'"
HEAP0=$(heap_mb "$PROXY_PID"); RSS0=$(rss_kb "$PROXY_PID")
echo go >&7
wait_for "$IDLE idle connections" 120 grep -q ready "$WORK/idle.out"
line=$(grep ready "$WORK/idle.out")
HEAP1=$(heap_mb "$PROXY_PID"); RSS1=$(rss_kb "$PROXY_PID")
ACTIVE=$(curl -s http://127.0.0.1:$HTTP_PORT/actuator/prometheus | awk '/^pgha_proxy_connections_active\{.*listener="rw"/ {print int($2)}')
echo done >&7
exec 7>&-
log "idle: $line, proxy reports $ACTIVE active; RSS $RSS0 -> $RSS1 KiB, live heap $HEAP0 -> $HEAP1 MiB"
IDLE_ROW=$(awk -v n="$ACTIVE" -v r0="$RSS0" -v r1="$RSS1" -v h0="$HEAP0" -v h1="$HEAP1" 'BEGIN {
  printf "| %d | %.0f → %.0f MiB | %.1f KiB | %d → %d MiB | %.1f KiB |", n, r0/1024, r1/1024, (r1-r0)/n, h0, h1, (h1-h0)*1024/n }')

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
MED_PH=$(printf '%s\n' "${ROWS[@]}" | awk -F'|' '{gsub(/ /,"",$8); print $8}' | median)
MED_PD=$(printf '%s\n' "${ROWS[@]}" | awk -F'|' '{gsub(/ /,"",$6); print $6}' | median)
MED_HD=$(printf '%s\n' "${ROWS[@]}" | awk -F'|' '{gsub(/ /,"",$7); print $7}' | median)

CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
TABLE=$(cat <<MD
<!-- proxy-bench:start -->
## Proxy: pgbench select-only through pgha vs HAProxy

$(date -u '+%Y-%m-%d %H:%M UTC') · $(nproc) cores ($CPU), $(free -g | awk '/Mem:/ {print $2}') GiB · PostgreSQL $($PG_BIN/postgres --version | awk '{print $3}'), HAProxy $HAPROXY_VERSION (TCP mode), pgha proxy transport $TRANSPORT ·
command: \`bench/proxy-bench.sh\` (pgbench -S -c $CLIENTS -j 2 -T $DURATION, scale 10, $ROUNDS interleaved rounds after a $WARMUP s warm-up of each; CPU = the proxy process's user+system time per transaction)

| round | direct tps (avg latency) | pgha tps | HAProxy tps | pgha / direct | HAProxy / direct | pgha / HAProxy | pgha CPU µs/tx | HAProxy CPU µs/tx |
|---|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${ROWS[@]}")

Median pgha / HAProxy: **$MED_PH** (pgha / direct $MED_PD, HAProxy / direct $MED_HD). Every proxy shares the two
cores with pgbench and PostgreSQL, so the ratio to direct measures the CPU each proxy spends per forwarded message.

Idle connections ($IDLE clients connected through the read-write listener to a backend that never answers;
RSS of the proxy process, live heap after a full GC):

| connections | RSS | RSS per connection | live heap | heap per connection |
|---|---|---|---|---|
$IDLE_ROW
<!-- proxy-bench:end -->
MD
)
printf '%s\n' "$TABLE"
write_section proxy-bench "$TABLE"
log "table written to docs/benchmarks.md"
