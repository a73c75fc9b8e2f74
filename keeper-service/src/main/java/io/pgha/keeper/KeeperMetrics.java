package io.pgha.keeper;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.pgha.keeper.converge.KeeperLoop;
import io.pgha.keeper.postgres.Observation;
import io.pgha.model.BackupConfig;

/** The keeper's metrics (docs/keeper.md), read from the loop's latest view at scrape time. */
final class KeeperMetrics {
    private KeeperMetrics() {
    }

    static void register(MeterRegistry registry, KeeperLoop loop) {
        Gauge.builder("pgha.keeper.postgres.up", loop, l -> l.view().observation().healthy() ? 1 : 0)
                .description("1 while PostgreSQL runs and answers").register(registry);
        for (Observation.Role role : Observation.Role.values()) {
            Gauge.builder("pgha.keeper.role", loop, l -> l.view().observation().role() == role ? 1 : 0)
                    .tag("role", role.label())
                    .description("1 for the role PostgreSQL runs in").register(registry);
        }
        Gauge.builder("pgha.keeper.timeline", loop, l -> l.view().observation().timelineId()).register(registry);
        Gauge.builder("pgha.keeper.wal.position.bytes", loop, l -> l.view().observation().walPosition())
                .baseUnit("bytes").register(registry);
        Gauge.builder("pgha.keeper.replication.lag.bytes", loop,
                        l -> l.view().lagBytes() == null ? Double.NaN : l.view().lagBytes())
                .baseUnit("bytes").description("master WAL position minus replayed position (0 on the primary)")
                .register(registry);
        Gauge.builder("pgha.keeper.fenced", loop, l -> l.fenced() ? 1 : 0)
                .description("1 while the primary withholds writes: it could not confirm it is still the master")
                .register(registry);
        Gauge.builder("pgha.keeper.needs.restart", loop, l -> l.view().observation().needsRestart() ? 1 : 0)
                .description("1 when changed parameters wait for a PostgreSQL restart").register(registry);
        FunctionCounter.builder("pgha.keeper.archive.failed", loop, l -> l.archive().failures())
                .description("failed archive_command runs (pg_stat_archiver) seen since the keeper started")
                .register(registry);
        Gauge.builder("pgha.keeper.archive.last.success", loop,
                        l -> l.archive().lastSuccess() == null ? Double.NaN
                                : l.archive().lastSuccess().toEpochMilli() / 1000.0)
                .description("when the WAL archiver last archived a file, epoch seconds").register(registry);
        for (BackupConfig.Type type : BackupConfig.Type.values()) {
            Gauge.builder("pgha.backup.last.success", loop, l -> l.backups().lastSuccess(type)
                            .map(t -> t.toEpochMilli() / 1000.0).orElse(Double.NaN))
                    .tag("type", type.label())
                    .description("when the newest backup of this type in the repository ended, epoch seconds")
                    .register(registry);
        }
        Gauge.builder("pgha.keeper.converge.last.success", loop,
                        l -> l.lastConverge() == null ? 0 : l.lastConverge().toEpochMilli() / 1000.0)
                .description("time of the last loop with usable cluster data, epoch seconds").register(registry);
    }
}
