#!/usr/bin/env bash
# Network partitions, measured: runs e2e-tests' random partition nemesis (PartitionTest: three network-namespace
# nodes, each with an etcd member, a keeper with its PostgreSQL, a sentinel and a proxy; a writer through all
# three proxies; one partition at a time, held 4-12 s, then healed and waited on until fully healthy) for N
# minutes, with synchronous and/or asynchronous replication, and writes the rows to docs/benchmarks.md. Needs
# root (network namespaces, iptables). CI runs the same test for 3 minutes, synchronous.
#   bench/partition.sh [--minutes N] [--replication "sync async"] [--seed N]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
# shellcheck source=scripts/apt.sh
. scripts/apt.sh
MINUTES=10
REPLICATION="sync async"
SEED=""
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES=$2; shift 2 ;;
    --replication) REPLICATION=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    *) echo "usage: $0 [--minutes N] [--replication \"sync async\"] [--seed N]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "[partition] needs root: network namespaces and iptables" >&2; exit 2; }
need=()
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
[ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql-15)
command -v iptables >/dev/null 2>&1 || need+=(iptables)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
apt_install "${need[@]}"

echo "[partition] building the services, then $MINUTES-minute runs: $REPLICATION"
./mvnw -B -q -ntp install -DskipTests
rows=""
for replication in $REPLICATION; do
  seed_arg=()
  [ -n "$SEED" ] && seed_arg=(-Dpgha.partition.seed="$SEED")
  run_e2e partition 'PartitionTest#aRandomPartitionNemesis*' -Dpgha.partition.minutes="$MINUTES" \
    -Dpgha.partition.replication="$replication" "${seed_arg[@]}"
  rows="$rows
| $replication | $MINUTES | $(field faults) | $(field masterChanges) | $(field acknowledged) | $(field lost) | $(field longestWriteGapMs) ms | $(field worstHealthyAfterHealMs) ms | $(field seed) |"
  kinds="${kinds:-}
- $replication: $(field kinds)"
done
table="<!-- partition:start -->
## Network partitions: a random nemesis

\`bench/partition.sh --minutes $MINUTES --replication \"$REPLICATION\"\`, $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores.
Three nodes (network namespaces on a bridge), each with an etcd member of one 3-member cluster, a keeper with its
PostgreSQL, a sentinel and a proxy; spec \`usePgRewind\` (sync: also \`synchronousReplication\`,
\`minSynchronousStandbys\` 1); a writer outside the nodes inserts through the three proxies every 20 ms, moving
to the next on an error. One partition at a time — isolate the primary's node, isolate any node, cut a node from
the other nodes only (its clients still reach it), cut two nodes apart (a bridge), cut replication from the
primary to one standby, cut a node from the clients only — held 4–12 s, healed, then fully healthy again (one
primary, both standbys streaming, every proxy acknowledging) before the next.

| replication | minutes | faults | master changes | acknowledged writes | lost | longest write gap | worst time to healthy after a heal | seed |
|---|---|---|---|---|---|---|---|---|$rows

Faults by kind:$kinds

Lost writes: with synchronous replication none may be lost and the run fails otherwise. With asynchronous
replication a failover may lose what the old primary acknowledged but had not shipped yet; the run fails if a
lost write was acknowledged more than a second before a fault began. The longest write gap is the writer's
own 10 s socket timeout: a connection open to a proxy on a node that was then isolated waits for it.
<!-- partition:end -->"
write_section partition "$table"
echo "[partition] passed; docs/benchmarks.md updated"
