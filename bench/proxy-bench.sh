#!/usr/bin/env bash
# Proxy throughput against one PostgreSQL 15, directly, through pgha's read-write listener and through HAProxy
# 2.6 in TCP mode, interleaved in the same run and repeated, for three shapes of traffic:
#   select   pgbench -S, 16 clients on long-lived connections (small messages: per-message cost)
#   connect  pgbench -S -C, 8 clients, a new connection per transaction (accept and backend connect path)
#   copy     4 parallel COPY pgbench_accounts TO STDOUT (bulk transfer: bytes per system call)
# Prints throughput, average and p99 latency and the proxy's CPU per unit of work, and writes the table to
# docs/benchmarks.md.
#   bench/proxy-bench.sh   (BENCH_DURATION=20 seconds per run, BENCH_ROUNDS=3, BENCH_WARMUP=30, BENCH_CLIENTS=16,
#                           BENCH_CONNECT_CLIENTS=8, BENCH_COPY_CLIENTS=4, BENCH_WORKLOADS="select connect copy")
#   BENCH_PROXY_ARGS / BENCH_PROXY_JAVA_OPTS: extra arguments for the pgha proxy (e.g. --pgha.proxy.transport=io_uring)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/apt.sh
. scripts/apt.sh
# shellcheck source=bench/lib.sh
. bench/lib.sh
DURATION=${BENCH_DURATION:-20}
ROUNDS=${BENCH_ROUNDS:-3}
CLIENTS=${BENCH_CLIENTS:-16}
CONNECT_CLIENTS=${BENCH_CONNECT_CLIENTS:-8}
COPY_CLIENTS=${BENCH_COPY_CLIENTS:-4}
WORKLOADS=${BENCH_WORKLOADS:-select connect copy}
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
# p99 of the per-transaction latencies (µs, third column) in pgbench's -l logs, in ms
p99_ms() { cat "$@" | awk '{print $3}' | sort -n | awk '{a[NR] = $1} END {i = int(NR * 0.99); if (i < 1) i = 1; printf "%.3f", a[i] / 1000}'; }
pgbench_run() { # port seconds pid clients extra-args -> "tps avg_ms p99_ms cpu_us_per_tx"
  local port=$1 secs=$2 pid=$3 clients=$4 extra=$5 before after out logs=$WORK/pgbench-logs
  rm -rf "$logs"; mkdir -p "$logs"
  before=$(cpu_ticks "$pid")
  # shellcheck disable=SC2086 # extra holds separate pgbench options
  out=$(cd "$logs" && $PG_BIN/pgbench -n -S $extra -c "$clients" -j 2 -T "$secs" -l -h 127.0.0.1 -p "$port" -U postgres postgres 2>/dev/null)
  after=$(cpu_ticks "$pid")
  echo "$out" | awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" -v p99="$(p99_ms "$logs"/pgbench_log.*)" '
    /^latency average/ {lat=$4} /^tps/ {tps=$3} /actually processed/ {tx=$NF}
    END {printf "%.0f %.3f %s %.1f\n", tps, lat, p99, (tx > 0 ? ticks * 1e6 / hz / tx : 0)}'
}
COPY_SQL="COPY pgbench_accounts TO STDOUT"
COPY_BYTES=$($PG_BIN/psql -h 127.0.0.1 -p $PG_PORT -U postgres -Atc "$COPY_SQL" postgres | wc -c)
copy_run() { # port seconds pid -> "MB/s avg_ms_per_copy p99_ms_per_copy cpu_us_per_MB"
  local port=$1 secs=$2 pid=$3 before after t0 t1 c clients=()
  rm -f "$WORK"/copy.*
  before=$(cpu_ticks "$pid"); t0=$(date +%s%N)
  for c in $(seq "$COPY_CLIENTS"); do
    ( end=$(($(date +%s%N) + secs * 1000000000))
      while [ "$(date +%s%N)" -lt $end ]; do
        s0=$(date +%s%N)
        $PG_BIN/psql -h 127.0.0.1 -p "$port" -U postgres -Atc "$COPY_SQL" postgres >/dev/null
        echo $((($(date +%s%N) - s0) / 1000)) >>"$WORK/copy.$c"
      done ) &
    clients+=($!)
  done
  wait "${clients[@]}" # not a bare wait: etcd and the proxies are children too
  t1=$(date +%s%N); after=$(cpu_ticks "$pid")
  cat "$WORK"/copy.* | sort -n | awk -v bytes="$COPY_BYTES" -v ns=$((t1 - t0)) -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
    {a[NR] = $1; sum += $1}
    END {mb = NR * bytes / 1e6; i = int(NR * 0.99); if (i < 1) i = 1
         printf "%.0f %.3f %.3f %.1f\n", mb / (ns / 1e9), sum / NR / 1000, a[i] / 1000, ticks * 1e6 / hz / mb}'
}
run() { # workload port seconds pid
  case $1 in
    select) pgbench_run "$2" "$3" "$4" "$CLIENTS" "" ;;
    connect) pgbench_run "$2" "$3" "$4" "$CONNECT_CLIENTS" "-C" ;;
    copy) copy_run "$2" "$3" "$4" ;;
  esac
}
declare -A PORT=([direct]=$PG_PORT [pgha]=$PGHA_PORT [haproxy]=$HAPROXY_PORT)
declare -A PID=([direct]="" [pgha]=$(cat "$WORK/proxy.pid") [haproxy]=$(cat "$WORK/haproxy.pid"))
declare -A UNIT=([select]="tps" [connect]="tps" [copy]="MB/s")
declare -A CPU_UNIT=([select]="µs/tx" [connect]="µs/tx" [copy]="µs/MB")
declare -A SHAPE=([select]="pgbench -S -c $CLIENTS -j 2 -T $DURATION" [connect]="pgbench -S -C -c $CONNECT_CLIENTS -j 2 -T $DURATION"
  [copy]="$COPY_CLIENTS parallel psql \`$COPY_SQL\` ($((COPY_BYTES / 1000000)) MB each) for $DURATION s")
WARMUP=${BENCH_WARMUP:-30}
log "warming up each target for $WARMUP s (the JVM's JIT needs ~30 s of load to finish compiling the data path)"
for t in direct pgha haproxy; do
  for w in $WORKLOADS; do
    secs=$WARMUP; [ "$w" = select ] || secs=$((WARMUP / 3))
    run "$w" "${PORT[$t]}" "$secs" "" >/dev/null
  done
done

ROWS=()
declare -A RATIOS=()
for r in $(seq "$ROUNDS"); do
  # pgha and HAProxy alternate which one runs first, so neither always follows the direct run
  if [ $((r % 2)) -eq 1 ]; then order="direct pgha haproxy"; else order="direct haproxy pgha"; fi
  for w in $WORKLOADS; do
    declare -A V=() AVG=() P99=() CPU=()
    for t in $order; do
      read -r v avg p99 cpu < <(run "$w" "${PORT[$t]}" "$DURATION" "${PID[$t]}")
      V[$t]=$v; AVG[$t]=$avg; P99[$t]=$p99; CPU[$t]=$cpu
      log "round $r $w $t: $v ${UNIT[$w]}, average $avg ms, p99 $p99 ms, proxy CPU $cpu ${CPU_UNIT[$w]}"
    done
    ratio=$(awk -v p="${V[pgha]}" -v h="${V[haproxy]}" 'BEGIN {printf "%.2f", p / h}')
    RATIOS[$w]="${RATIOS[$w]:-} $ratio"
    ROWS+=("$(awk -v w="$w" -v r="$r" -v u="${UNIT[$w]}" -v cu="${CPU_UNIT[$w]}" -v d="${V[direct]}" -v p="${V[pgha]}" -v h="${V[haproxy]}" \
      -v dl="${P99[direct]}" -v pl="${P99[pgha]}" -v hl="${P99[haproxy]}" -v pc="${CPU[pgha]}" -v hc="${CPU[haproxy]}" -v ratio="$ratio" 'BEGIN {
        printf "| %s | %d | %d %s | %d | %d | %.2f | %.2f | **%s** | %s / %s / %s | %s / %s %s |", w, r, d, u, p, h, p/d, h/d, ratio, dl, pl, hl, pc, hc, cu }')")
  done
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
SUMMARY=""
for w in $WORKLOADS; do
  SUMMARY+="${SUMMARY:+, }$w **$(printf '%s\n' ${RATIOS[$w]} | median)**"
done

CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
TABLE=$(cat <<MD
<!-- proxy-bench:start -->
## Proxy: pgha vs HAProxy vs direct, three workloads

$(date -u '+%Y-%m-%d %H:%M UTC') · $(nproc) cores ($CPU), $(free -g | awk '/Mem:/ {print $2}') GiB · PostgreSQL $($PG_BIN/postgres --version | awk '{print $3}'), HAProxy $HAPROXY_VERSION (TCP mode, default threads), pgha proxy transport $TRANSPORT${BENCH_PROXY_ARGS:+ ($BENCH_PROXY_ARGS)} ·
command: \`${BENCH_COMMAND:-bench/proxy-bench.sh}\` ($ROUNDS interleaved rounds after a warm-up of each target; scale 10)

$(for w in $WORKLOADS; do echo "- **$w**: ${SHAPE[$w]}"; done)

| workload | round | direct | pgha | HAProxy | pgha / direct | HAProxy / direct | pgha / HAProxy | p99 ms direct / pgha / HAProxy | proxy CPU pgha / HAProxy |
|---|---|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${ROWS[@]}")

Median pgha / HAProxy: $SUMMARY. Every proxy shares the two cores with the client and PostgreSQL, so the ratio
to direct measures what each proxy costs; the CPU column is the proxy process's user + system time per
transaction (select, connect) or per MB (copy).

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
