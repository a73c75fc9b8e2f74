#!/usr/bin/env bash
# Built-in backups, measured: a 2-keeper cluster with spec backup (pgBackRest, repository on local disk, pgha's
# defaults: gz compression, one process), a pgbench database of scale N, a full backup through the API, 20 s of
# pgbench writes, an incremental, then a new cluster restored from the repository to the end of the archive
# (initMode=pitr, pitrConfig.backup). Writes the row to docs/benchmarks.md.
#   bench/backup-bench.sh [--scale N]   (default 50)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
# shellcheck source=scripts/apt.sh
. scripts/apt.sh
SCALE=50
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE=$2; shift 2 ;;
    *) echo "usage: $0 [--scale N]" >&2; exit 2 ;;
  esac
done
need=()
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
[ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql-15)
command -v pgbackrest >/dev/null 2>&1 || need+=(pgbackrest)
apt_install "${need[@]}"

echo "[backup] building the services, then scale $SCALE"
./mvnw -B -q -ntp install -DskipTests
run_e2e backup 'BackupE2ETest#benchBackupAndRestore*' -Dpgha.backup.bench.scale="$SCALE"
s() { awk "BEGIN {printf \"%.1f\", $(field "$1") / 1000}"; }
table="<!-- backup:start -->
## Backup and restore of a pgbench database (pgBackRest)

\`bench/backup-bench.sh --scale $SCALE\`, $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores. A 2-keeper cluster with
\`backup\` (pgBackRest $(pgbackrest version | cut -d' ' -f2), repository on the same local disk, pgha's defaults: gz
compression, \`process-max\` 1, \`start-fast\`); times are from the API request to its answer (the keeper claims the
request within a second), and for the restore from the new cluster's start to its promoted master, then to its
standby streaming (a base backup from the restored master).

| scale | database | full backup | in repository | incr after 20 s of pgbench writes | in repository | restore to promoted master | cluster healthy (1 standby) |
|---|---|---|---|---|---|---|---|
| $SCALE | $(field dbSize) | $(s fullMs) s | $(field fullRepoMiB) MiB | $(s incrMs) s | $(field incrRepoMiB) MiB | $(s restoreMs) s | $(s healthyMs) s |

pgBackRest's incremental backups copy whole changed files: pgbench's writes touch most 1 GB segments of
\`pgbench_accounts\`, so the incremental is nearly as large as the full one here. More \`process-max\` (e.g. 4) in \`backup.options\` parallelizes compression for backups and restores alike.
<!-- backup:end -->"
write_section backup "$table"
echo "[backup] passed; docs/benchmarks.md updated"
