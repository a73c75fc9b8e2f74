#!/usr/bin/env bash
# How fast each service starts, and how much memory it holds: on a local cluster (scripts/local-cluster.sh: etcd, 3
# keepers, 2 sentinels, a proxy, the admin API), each service is stopped (SIGTERM, waited for) and started again
# with the same command line, without and with its class data sharing archive, ROUNDS times (default 3): seconds from the exec to its readiness probe answering 200,
# Spring's own "Started … in" figure, and the RSS 5 s after it was ready. A standby keeper also reports the
# seconds until its /replica answers 200 (PostgreSQL running as a standby again; its data was intact).
# Writes the "startup" section of docs/benchmarks.md.
#   bench/startup.sh [--rounds N]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
parse_rounds "$@"
export PGHA_LOCAL_DIR=${PGHA_LOCAL_DIR:-/tmp/pgha-startup-bench} PGHA_LOCAL_BASE_PORT=${PGHA_LOCAL_BASE_PORT:-16400}
DIR=$PGHA_LOCAL_DIR
BASE=$PGHA_LOCAL_BASE_PORT
log() { printf '[startup] %s\n' "$*" >&2; }

log "starting a local cluster in $DIR"
scripts/local-cluster.sh up >/tmp/pgha-startup-up.log 2>&1 || { tail -20 /tmp/pgha-startup-up.log; exit 1; }
trap 'scripts/local-cluster.sh down >/dev/null 2>&1 || true' EXIT

code() { curl -s -m 1 -o /dev/null -w '%{http_code}' "$1" || true; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

declare -A CMDLINE # NAME -> its command line as scripts/local-cluster.sh started it (with the CDS archive), NUL-separated
# restart NAME PORT VARIANT: stops the process NAME, starts its command line again (VARIANT plain: without the
# class data sharing options) and measures; prints "ready_s started_s rss_mb replica_s" (replica_s "-" but for a
# standby keeper).
restart() {
  local name=$1 port=$2 variant=$3 pid cmd=() arg t0 t1 started rss replica=- deadline
  pid=$(cat "$DIR/$name.pid")
  [ -n "${CMDLINE[$name]:-}" ] || CMDLINE[$name]=$(tr '\0' '\n' <"/proc/$pid/cmdline")
  while IFS= read -r arg; do
    if [ "$variant" = plain ] && [[ $arg == -XX:SharedArchiveFile=* || $arg == -Xshare:* ]]; then continue; fi
    cmd+=("$arg")
  done <<<"${CMDLINE[$name]}"
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  t0=$(now_ms)
  "${cmd[@]}" >>"$DIR/$name.log" 2>&1 &
  pid=$!
  echo $pid >"$DIR/$name.pid"
  deadline=$((SECONDS + 120))
  until [ "$(code "http://127.0.0.1:$port/actuator/health/readiness")" = 200 ]; do
    [ $SECONDS -lt $deadline ] || { log "$name not ready within 120 s"; exit 1; }
    sleep 0.05
  done
  t1=$(now_ms)
  if [[ $name == k* ]]; then
    until [ "$(code "http://127.0.0.1:$port/replica")" = 200 ]; do
      [ $SECONDS -lt $deadline ] || { log "$name not a standby within 120 s"; exit 1; }
      sleep 0.05
    done
    replica=$(awk -v ms=$(($(now_ms) - t0)) 'BEGIN {printf "%.1f", ms / 1000}')
  fi
  sleep 5
  rss=$(awk '/^VmRSS:/ {printf "%d", $2 / 1024}' "/proc/$pid/status")
  started=$(grep -o 'Started [A-Za-z]* in [0-9.]* seconds' "$DIR/$name.log" | tail -1 | awk '{print $4}')
  awk -v ms=$((t1 - t0)) -v s="$started" -v r="$rss" -v rep="$replica" \
    'BEGIN {printf "%.1f %.1f %d %s\n", ms / 1000, s, r, rep}'
}

standby_keeper() {
  local i
  for i in 1 2 3; do
    [ "$(code "http://127.0.0.1:$((BASE + 20 + i))/replica")" = 200 ] && { echo "$i"; return; }
  done
  return 1
}

declare -A rows
for round in $(seq 1 "$ROUNDS"); do
  k=$(standby_keeper) || { log "no standby keeper"; exit 1; }
  for svc in "k$k:$((BASE + 20 + k)):keeper (standby)" "s2:$((BASE + 32)):sentinel" "p1:$((BASE + 41)):proxy" \
    "admin:$((BASE + 50)):admin-api"; do
    IFS=: read -r name port label <<<"$svc"
    for variant in plain cds; do
      r=$(restart "$name" "$port" $variant)
      log "round $round $label $variant: ready_s started_s rss_mb replica_s = $r"
      rows[$label/$variant]+="$r;"
    done
  done
done

median() { tr ' ' '\n' | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
col() { printf '%s' "$1" | tr ';' '\n' | awk -v c="$2" 'NF {print $c}' | tr '\n' ' '; }

table="<!-- startup:start -->
## Service start: time to ready and memory

\`bench/startup.sh --rounds $ROUNDS\` on $(date -u +%Y-%m-%d), $(nproc) cores, on a local cluster: each service stopped
(SIGTERM) and started again with the command line \`scripts/local-cluster.sh\` gave it, $ROUNDS times, once without
and once with the class data sharing archive the script makes for each jar (*plain*: \`java -Xmx256m -jar <module>/target/cds/<module>.jar\`, the extracted jar;
*CDS*: the same with \`-XX:SharedArchiveFile=<module>/target/cds/<module>.jsa -Xshare:auto\`). *Ready*: from
the exec to \`/actuator/health/readiness\` answering 200; *Started in*: Spring Boot's own figure; *standby*: a
keeper's \`/replica\` answering 200 (PostgreSQL streaming again; its data intact); RSS 5 s after ready. Medians
(all rounds), plain → CDS.

| service | ready (s) | Started in (s) | standby (s) | RSS (MB) | rounds: ready plain / CDS |
|---|---|---|---|---|---|"
for label in "keeper (standby)" sentinel proxy admin-api; do
  p=${rows[$label/plain]} c=${rows[$label/cds]}
  standby=-
  [[ $label == keeper* ]] && standby="$(col "$p" 4 | median) → $(col "$c" 4 | median)"
  table+="
| $label | $(col "$p" 1 | median) → $(col "$c" 1 | median) | $(col "$p" 2 | median) → $(col "$c" 2 | median) | $standby | $(col "$p" 3 | median) → $(col "$c" 3 | median) | $(col "$p" 1)/ $(col "$c" 1) |"
done
table+="
<!-- startup:end -->"
write_section startup "$table"
printf '%s\n' "$table"
