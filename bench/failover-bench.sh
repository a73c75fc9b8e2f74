#!/usr/bin/env bash
# Failover benchmark: repeated trials of node loss (SIGKILL keeper + PostgreSQL), PostgreSQL crash (SIGKILL
# postmaster), freeze (SIGSTOP keeper, postmaster and backends) and planned switchover through the admin API, on the
# cluster of scripts/local-cluster.sh. A prober writes through the read-write proxy every 50 ms; the
# write-unavailability window of a trial is the time from the last acknowledged write before the event to
# the first one after it. Prints min/median/max per scenario and writes the table to docs/benchmarks.md.
# Two more scenarios run on three network-namespace nodes with a 3-member etcd (the e2e partition lab; root):
# leader-node-loss SIGKILLs everything on the primary's node (keeper, PostgreSQL, the leading sentinel, a proxy,
# an etcd member), node-isolation cuts that node off the network; their table is a separate section.
# pool-node-loss and pool-node-loss-nohold are node loss seen by an application: a HikariCP pool of 10 through the
# proxy (bench/PoolProber.java), time from the kill until every pool thread committed again, with the proxy's
# read-write.hold-timeout at its default and at 0s (own section). With a PGHA_LOCAL_SPEC other than {} the main
# table goes to its own section too (failover-bench-spec), so the default-spec table stays.
#   bench/failover-bench.sh [--trials N] [--scenarios "node-loss pg-crash freeze switchover leader-node-loss node-isolation pool-node-loss pool-node-loss-nohold"]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
TRIALS=5
SCENARIOS="node-loss pg-crash freeze switchover leader-node-loss node-isolation"
while [ $# -gt 0 ]; do
  case "$1" in
    --trials) TRIALS=$2; shift 2 ;;
    --scenarios) SCENARIOS=$2; shift 2 ;;
    *) echo "usage: $0 [--trials N] [--scenarios \"node-loss pg-crash freeze switchover leader-node-loss node-isolation\"]" >&2; exit 2 ;;
  esac
done
# The failover targets (docs/benchmarks.md) are for the default spec; PGHA_LOCAL_SPEC='{"synchronousReplication":true,...}' measures others.
export PGHA_LOCAL_SPEC=${PGHA_LOCAL_SPEC:-"{}"}
export PGHA_LOCAL_DIR=${PGHA_LOCAL_DIR:-/tmp/pgha-failover-bench}
export PGHA_LOCAL_BASE_PORT=${PGHA_LOCAL_BASE_PORT:-17500}
DIR=$PGHA_LOCAL_DIR; BASE=$PGHA_LOCAL_BASE_PORT
log() { printf '[failover-bench] %s\n' "$*" >&2; }
trap 'log "failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR
cleanup() {
  [ -f "$DIR/prober.pid" ] && kill "$(cat "$DIR/prober.pid")" 2>/dev/null || true
  scripts/local-cluster.sh down >/dev/null 2>&1 || true
}
trap cleanup EXIT

LOCAL=""; NETNS=""
for scenario in $SCENARIOS; do
  case $scenario in
    leader-node-loss|node-isolation) NETNS+=" $scenario" ;;
    node-loss|pg-crash|freeze|switchover|pool-node-loss|pool-node-loss-nohold) LOCAL+=" $scenario" ;;
    *) echo "unknown scenario: $scenario" >&2; exit 2 ;;
  esac
done

stats() { tr ' ' '\n' | grep -E '^[0-9]+$' | sort -n | awk '{a[NR]=$1} END {
  if (NR == 0) {print "- | - | -"; exit}
  m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2
  printf "%.1f | %.1f | %.1f", a[1]/1000, m/1000, a[NR]/1000 }'; }

if [ -n "$NETNS" ]; then
  ./mvnw -B -ntp -q install -DskipTests >/tmp/pgha-failover-build.log 2>&1 || { cat /tmp/pgha-failover-build.log >&2; exit 1; }
  NROWS=""
  for scenario in $NETNS; do
    run_e2e failover-trials 'PartitionTest#failoverTrials' -Dpgha.partition.bench="$scenario" \
      -Dpgha.partition.trials="$TRIALS" -Dpgha.partition.spec="$PGHA_LOCAL_SPEC"
    w=$(field windowsMs | tr ',' ' '); m=$(field newMasterMs | tr ',' ' ')
    NROWS+="| $scenario | $(echo "$w" | wc -w) | $(echo "$w" | stats) | $(echo "$m" | stats | cut -d'|' -f2 | tr -d ' ') | median ≤ 6 s | $w |"$'\n'
  done
  NTABLE=$(cat <<MD
<!-- failover-netns:start -->
## Failover when a whole node goes: network namespaces, 3-member etcd

$(date -u '+%Y-%m-%d %H:%M UTC') · $(nproc) cores · command: \`bench/failover-bench.sh --trials $TRIALS --scenarios "$(echo $NETNS)"\` ·
three nodes (network namespaces), each with an etcd member, a keeper with its PostgreSQL, a sentinel and a proxy;
spec \`$PGHA_LOCAL_SPEC\`. Node 1 holds the primary *and the leading sentinel*. leader-node-loss: everything on node 1 SIGKILLed
(etcd member included); node-isolation: node 1 cut off by iptables (its processes keep running). A writer inserts
through the proxies of nodes 2 and 3 every 20 ms; window = first acknowledged insert after the fault − last one
before it; "new master s" = median time until the new master is elected and promoted.

| scenario | trials | min s | median s | max s | new master s | target | each trial, ms |
|---|---|---|---|---|---|---|---|
$NROWS
<!-- failover-netns:end -->
MD
)
  printf '%s\n' "$NTABLE"
  write_section failover-netns "$NTABLE"
  log "netns table written to docs/benchmarks.md"
fi
[ -n "$LOCAL" ] || exit 0
SCENARIOS=$LOCAL

scripts/local-cluster.sh down >/dev/null 2>&1 || true
scripts/local-cluster.sh up >"$DIR.up.log" 2>&1 || { cat "$DIR.up.log" >&2; exit 1; }
SPEC="spec \`$PGHA_LOCAL_SPEC\`"
PW=$(cat "$DIR/superuser.pw")
TOKEN=$(cat "$DIR/operator.token")
API=http://127.0.0.1:$((BASE + 50))/api/v1

# The JDBC driver (and HikariCP with slf4j-api, for the pool prober) ship inside the keeper's jar.
lib() { (cd "$DIR" && jar tf "$OLDPWD/keeper-service/target/keeper-service.jar" | grep -m1 "BOOT-INF/lib/$1-.*\.jar"); }
DRIVER=$(lib postgresql); HIKARI=$(lib HikariCP); SLF4J=$(lib slf4j-api)
(cd "$DIR" && jar xf "$OLDPWD/keeper-service/target/keeper-service.jar" "$DRIVER" "$HIKARI" "$SLF4J")
java -cp "$DIR/$DRIVER" bench/Prober.java $((BASE + 5)) "$PW" 50 >"$DIR/probe.log" 2>&1 &
echo $! >"$DIR/prober.pid"
for _ in $(seq 300); do grep -q '^ok ' "$DIR/probe.log" && break; sleep 0.1; done
grep -q '^ok ' "$DIR/probe.log" || { log "the prober never wrote through the proxy"; cat "$DIR/probe.log" >&2; exit 1; }

primary() { # keeper number whose /primary answers 200
  for i in 1 2 3; do
    [ "$(curl -s -m 1 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((BASE + 20 + i))/primary")" = 200 ] && { echo "$i"; return 0; }
  done
  return 1
}
postmaster() { head -1 "$DIR/k$1/postgres/postmaster.pid"; }
# The whole PostgreSQL instance: the postmaster and its backends (a frozen VM freezes them all).
instance() { local pm; pm=$(postmaster "$1"); echo "$pm" $(pgrep -P "$pm" || true); }
now_ms() { date +%s%3N; }

# Window of the trial that started at line $1 of the probe log: first ok after a failure minus the last ok
# before it; 0 when no write failed within 15 s.
window() {
  local from=$1 deadline=$(( $(date +%s) + 120 ))
  while [ "$(date +%s)" -lt $deadline ]; do
    local new; new=$(tail -n +"$from" "$DIR/probe.log")
    if echo "$new" | grep -q '^fail '; then
      if echo "$new" | sed -n '/^fail /,$p' | grep -q '^ok '; then
        local last ok
        last=$(echo "$new" | grep -m1 '^last-ok ' | awk '{print $2}')
        ok=$(echo "$new" | sed -n '/^fail /,$p' | grep -m1 '^ok ' | awk '{print $2}')
        echo $((ok - last)); return 0
      fi
    elif [ "$(date +%s)" -gt $((deadline - 105)) ]; then
      echo 0; return 0
    fi
    sleep 0.2
  done
  echo timeout
}

# The pool scenarios: the proxy restarted with the hold-timeout under test, and a pool prober running.
pool_start() { # scenario
  [ -f "$DIR/pool.pid" ] && kill "$(cat "$DIR/pool.pid")" 2>/dev/null || true
  kill "$(cat "$DIR/p1.pid")" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$(cat "$DIR/p1.pid")" 2>/dev/null || break; sleep 0.1; done
  if [ "$1" = pool-node-loss-nohold ]; then
    PGHA_PROXY_READWRITE_HOLDTIMEOUT=0s scripts/local-cluster.sh up >"$DIR.up.log" 2>&1
  else
    env -u PGHA_PROXY_READWRITE_HOLDTIMEOUT scripts/local-cluster.sh up >"$DIR.up.log" 2>&1
  fi
  rm -f "$DIR/pool.mark"
  java -cp "$DIR/$HIKARI:$DIR/$SLF4J:$DIR/$DRIVER" bench/PoolProber.java $((BASE + 5)) "$PW" 10 50 "$DIR/pool.mark" \
    >"$DIR/pool-$1.log" 2>&1 &
  echo $! >"$DIR/pool.pid"
  for _ in $(seq 300); do grep -q '^started ' "$DIR/pool-$1.log" && break; sleep 0.1; done
  grep -q '^started ' "$DIR/pool-$1.log" || { log "the pool prober did not start"; cat "$DIR/pool-$1.log" >&2; exit 1; }
  sleep 2
}
# Time from mark $1 until all 10 pool threads committed again (scenario $2's log), or "timeout".
pool_recovery() {
  local mark=$1 f="$DIR/pool-$2.log"
  for _ in $(seq 900); do
    if [ "$(grep -c "^recovered $mark " "$f")" -ge 10 ]; then
      grep "^recovered $mark " "$f" | awk -v m="$mark" '$4 > x {x = $4} END {print x - m}'; return 0
    fi
    sleep 0.1
  done
  echo timeout
}

declare -A RESULTS=() POOL=()
for scenario in $SCENARIOS; do
  case $scenario in pool-node-loss*) pool_start "$scenario" ;; esac
  for t in $(seq "$TRIALS"); do
    p=$(primary)
    from=$(( $(wc -l <"$DIR/probe.log") + 1 ))
    case $scenario in
      node-loss) kill -9 "$(cat "$DIR/k$p.pid")" "$(postmaster "$p")" ;;
      pool-node-loss*) kill -9 "$(cat "$DIR/k$p.pid")" "$(postmaster "$p")"; mark=$(now_ms); echo "$mark" >"$DIR/pool.mark" ;;
      pg-crash) kill -9 "$(postmaster "$p")" ;;
      freeze) FROZEN="$(cat "$DIR/k$p.pid") $(instance "$p")"; kill -STOP $FROZEN ;;
      switchover) curl -s -o /dev/null -X POST -H "Authorization: Bearer $TOKEN" "$API/cluster/switchover?timeout=60s" ;;
    esac
    w=$(window "$from")
    log "$scenario trial $t (primary k$p): write unavailability $w ms"
    case $scenario in pool-node-loss*)
      r=$(pool_recovery "$mark" "$scenario")
      log "$scenario trial $t: every pool thread committed again $r ms after the kill"
      POOL[$scenario]="${POOL[$scenario]:-} $r" ;;
    esac
    RESULTS[$scenario]="${RESULTS[$scenario]:-} $w"
    # Back to three healthy nodes before the next trial.
    if [ "$scenario" = freeze ]; then
      for _ in $(seq 600); do q=$(primary || true); [ -n "$q" ] && [ "$q" != "$p" ] && break; sleep 0.1; done
      kill -CONT $FROZEN 2>/dev/null || true
    fi
    scripts/local-cluster.sh up >"$DIR.up.log" 2>&1 || { cat "$DIR.up.log" >&2; exit 1; }
  done
done

[ -f "$DIR/pool.pid" ] && kill "$(cat "$DIR/pool.pid")" 2>/dev/null || true
# A standby pointed at a primary before its slot existed logs this and waits wal_retrieve_retry_interval (#15).
# (A base backup started before its slot exists logs the primary's refusal too, and goes on without it: not counted.)
SLOT_ERRORS=$(cat "$DIR"/k*/postgres.log 2>/dev/null | grep -c 'could not start WAL streaming: ERROR:  replication slot "[^"]*" does not exist' || true)

declare -A TARGET=([node-loss]="median ≤ 4 s, max ≤ 6 s" [pg-crash]="median ≤ 3 s" [freeze]="—" [switchover]="≤ 1 s")
ROWS=""; PROWS=""; PLAIN=""
for scenario in $SCENARIOS; do
  case $scenario in
    pool-node-loss*)
      hold=$([ "$scenario" = pool-node-loss ] && echo "10s (default)" || echo "0s (refuse at once)")
      PROWS+="| $hold | $(echo "${POOL[$scenario]}" | wc -w) | $(echo "${POOL[$scenario]}" | stats) | $(echo "${RESULTS[$scenario]}" | stats | cut -d'|' -f2 | tr -d ' ') | ${POOL[$scenario]} |"$'\n' ;;
    *)
      PLAIN+=" $scenario"
      ROWS+="| $scenario | $(echo "${RESULTS[$scenario]}" | wc -w) | $(echo "${RESULTS[$scenario]}" | stats) | ${TARGET[$scenario]} | ${RESULTS[$scenario]} |"$'\n' ;;
  esac
done
if [ -n "$PROWS" ]; then
  PTABLE=$(cat <<MD
<!-- failover-pool:start -->
## Failover seen by a connection pool: HikariCP through the proxy

$(date -u '+%Y-%m-%d %H:%M UTC') · $(nproc) cores · command: \`bench/failover-bench.sh --trials $TRIALS --scenarios "pool-node-loss pool-node-loss-nohold"\` ·
cluster: \`scripts/local-cluster.sh\`, $SPEC. Node loss (keeper and PostgreSQL SIGKILLed) while a HikariCP pool of 10
(defaults: connectionTimeout 30 s; pgjdbc connectTimeout 10 s) has 10 threads each committing an insert every
50 ms through the read-write port (\`bench/PoolProber.java\`). "all threads s" = from the kill until every one of
the 10 threads committed again; "prober s" = the single-connection prober's window in the same trials (it
reconnects at once after a failure, so it shows when the new primary took writes).

| proxy read-write.hold-timeout | trials | min all threads s | median s | max s | prober median s | each trial, ms |
|---|---|---|---|---|---|---|
$PROWS
<!-- failover-pool:end -->
MD
)
  printf '%s\n' "$PTABLE"
  write_section failover-pool "$PTABLE"
  log "pool table written to docs/benchmarks.md"
fi
[ -n "$PLAIN" ] || exit 0
SCENARIOS=$PLAIN
SECTION=failover-bench; TITLE="Failover: write unavailability through the read-write proxy"; CMD=""
if [ "$PGHA_LOCAL_SPEC" != "{}" ]; then
  SECTION=failover-bench-spec; TITLE="Failover with spec $PGHA_LOCAL_SPEC"; CMD="PGHA_LOCAL_SPEC='$PGHA_LOCAL_SPEC' "
fi
TABLE=$(cat <<MD
<!-- $SECTION:start -->
## $TITLE

$(date -u '+%Y-%m-%d %H:%M UTC') · $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB · command: \`${CMD}bench/failover-bench.sh --trials $TRIALS --scenarios "$(echo $SCENARIOS)"\` ·
cluster: \`scripts/local-cluster.sh\` (3 keepers, 2 sentinels, 1 proxy, admin API; $SPEC; other spec fields at their
defaults). A prober inserts through the proxy's read-write port every 50 ms; window = first acknowledged insert
after the event − last one before it. "could not start WAL streaming: replication slot … does not exist" lines in the PostgreSQL logs: $SLOT_ERRORS.

| scenario | trials | min s | median s | max s | target | each trial, ms |
|---|---|---|---|---|---|---|
$ROWS
<!-- $SECTION:end -->
MD
)
printf '%s\n' "$TABLE"
write_section "$SECTION" "$TABLE"
log "table written to docs/benchmarks.md"
