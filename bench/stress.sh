#!/usr/bin/env bash
# No false failover, measured: runs e2e-tests' StressTest (default spec, 3 keepers, 2 sentinels, a proxy; a writer
# through the proxy every 50 ms; stress-ng saturating both cores; etcd SIGSTOPped 2 s every 30 s) for N minutes,
# once with only the short stalls and once with one long stall in the middle as well, and writes both rows to
# docs/benchmarks.md. CI runs the same test for 3 minutes.
#   bench/stress.sh [--minutes N] [--long-stall SECONDS] [--spec JSON] [--runs "0 SECONDS"]
# --runs lists the runs by their long stall (0: none); the default is both.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
# shellcheck source=scripts/apt.sh
. scripts/apt.sh
MINUTES=10
LONG=20
SPEC='{}'
RUNS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES=$2; shift 2 ;;
    --long-stall) LONG=$2; shift 2 ;;
    --spec) SPEC=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    *) echo "usage: $0 [--minutes N] [--long-stall SECONDS] [--spec JSON] [--runs \"0 SECONDS\"]" >&2; exit 2 ;;
  esac
done
need=()
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
[ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql-15)
command -v stress-ng >/dev/null 2>&1 || need+=(stress-ng)
apt_install "${need[@]}"
RUNS=${RUNS:-"0 $LONG"}

echo "[stress] building the services, then runs of $MINUTES minutes with these long etcd stalls (s): $RUNS"
./mvnw -B -q -ntp install -DskipTests
rows=""
for long in $RUNS; do
  run_e2e stress StressTest -Dpgha.stress.minutes="$MINUTES" -Dpgha.stress.long-stall-seconds="$long" \
    -Dpgha.stress.stalls=2 -Dpgha.stress.spec="$SPEC"
  stalls="$(field stalls) × 2 s"
  [ "$long" -gt 0 ] && stalls="$(( $(field stalls) - 1 )) × 2 s + 1 × ${long} s"
  rows="$rows
| $MINUTES | $stalls | $(field acknowledged) | $(field lost) | $(field masterChanges) | $(field syncSetChanges) | $(field longestWriteGapMs) ms | $(field writeErrors) |"
done
table="<!-- stress:start -->
## No false failover: a busy machine and a stalling store

\`bench/stress.sh --minutes $MINUTES --runs "$RUNS"\`, $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores. Spec \`$SPEC\`,
3 keepers, 2 sentinels, 1 proxy; \`stress-ng --cpu 4\` for the whole run; etcd stopped (SIGSTOP) for 2 s every
30 s (and, where a row says so, once for longer in the middle); a writer inserts through the proxy's read-write
port every 50 ms. Nothing fails for real: every master change would be a false failover.

| minutes | etcd stalls | acknowledged writes | lost | master changes | synchronous-set changes | longest write gap | write errors |
|---|---|---|---|---|---|---|---|$rows

A write gap is the store outage itself: a proxy that cannot confirm the cluster data for proxyTimeout stops
accepting connections, and a primary that cannot confirm it is still the master for failInterval withholds
writes (self-fencing): neither can know that no other primary was elected meanwhile. Both serve again within a
second of the store's return.
<!-- stress:end -->"
write_section stress "$table"
echo "[stress] passed; docs/benchmarks.md updated"
