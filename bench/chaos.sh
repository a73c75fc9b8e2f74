#!/usr/bin/env bash
# Chaos with a writer, for as long as you like: runs e2e-tests' ChaosTest (synchronous replication, two writers
# through two proxies, a nemesis that SIGKILLs/SIGSTOPs keepers, sentinels and proxies) for N minutes, prints
# its summary and the nemesis log, and records the run in docs/benchmarks.md. CI runs the same test for 3 minutes.
#   bench/chaos.sh [--minutes N] [--seed S]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
# shellcheck source=scripts/apt.sh
. scripts/apt.sh
MINUTES=10
SEED=$(date +%s%3N)
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    *) echo "usage: $0 [--minutes N] [--seed S]" >&2; exit 2 ;;
  esac
done
need=()
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
[ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql-15)
apt_install "${need[@]}"

echo "[chaos] building the services, then $MINUTES minutes of chaos (seed $SEED)"
./mvnw -B -q -ntp install -DskipTests
run_e2e chaos ChaosTest -Dpgha.chaos.minutes="$MINUTES" -Dpgha.chaos.seed="$SEED"
grep -E 'ChaosTest -- nemesis: fault' e2e-tests/target/surefire-reports/io.pgha.e2e.ChaosTest-output.txt \
  | sed 's/.*nemesis: /  /' || true
table="<!-- chaos:start -->
## Chaos with a writer

\`bench/chaos.sh --minutes $MINUTES --seed $SEED\`, $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores. Synchronous
replication (minSynchronousStandbys 1, usePgRewind), 3 keepers, 2 sentinels, 2 proxies; two writers insert
increasing ids through the proxies' read-write ports; one fault at a time (hold 2–8 s); every third one kills
the primary's node when a synchronous standby could take over.

| minutes | faults | acknowledged writes | master changes | lost | duplicated | overlapping primaries | longest write gap | healthy again after |
|---|---|---|---|---|---|---|---|---|
| $MINUTES | $(field faults) | $(field acknowledged) | $(field masterChanges) | $(field lost) | $(field duplicated) | $(printf '%s' "$summary" | grep -o 'overlaps=\[[^]]*\]' | sed 's/overlaps=\[\]/none/') | $(printf '%s' "$summary" | grep -o '[0-9]* ms after' | sort -n | tail -1 | sed 's/ after//;s/^$/< 5 s/') | $(field recoveredAfterNemesisMs) ms |

Faults: $(printf '%s' "$summary" | grep -o 'faults=[0-9]* {[^}]*}' | sed 's/faults=[0-9]* //')

Safety is what the run asserts; availability is not: long write gaps come from the primary being killed again
before the remaining standby is a synchronous standby in sync (each keeper restart costs ~10 s of JVM start
on these 2 busy cores); the sentinel then refuses to promote it, by design, and waits.
<!-- chaos:end -->"
write_section chaos "$table"
echo "[chaos] passed; docs/benchmarks.md updated"
