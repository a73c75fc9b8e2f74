package io.pgha.keeper;

import io.micrometer.core.instrument.MeterRegistry;
import io.pgha.config.PghaProperties;
import io.pgha.keeper.backup.BackupAgent;
import io.pgha.keeper.backup.PgBackRest;
import io.pgha.keeper.backup.PgBackRestSetup;
import io.pgha.keeper.converge.Convergence;
import io.pgha.keeper.converge.KeeperLoop;
import io.pgha.keeper.converge.PassFile;
import io.pgha.keeper.postgres.PgCommandException;
import io.pgha.keeper.postgres.PgCommands;
import io.pgha.keeper.postgres.PostgresInstance;
import io.pgha.keeper.postgres.PostgresObserver;
import io.pgha.store.ClusterRepository;
import io.pgha.store.EphemeralRegistration;
import io.pgha.store.StoreKeys;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The keeper's composition root: identity, PostgreSQL, the loop, its registration and metrics. */
@Configuration(proxyBeanMethods = false)
class KeeperConfiguration {
    /** TTL of the keeper's lease: its info vanishes this long after the keeper dies. */
    static final Duration LEASE_TTL = Duration.ofSeconds(3);
    static final Duration PG_TIMEOUT = Duration.ofSeconds(60);

    @Bean
    PgCommands pgCommands(KeeperProperties props) {
        props.validateRoles();
        return PgCommands.detect(props.pg().binDir(), props.pg().osUser());
    }

    @Bean(destroyMethod = "close")
    KeeperIdentity keeperIdentity(KeeperProperties props, PgCommands commands) {
        return KeeperIdentity.establish(props, commands);
    }

    @Bean
    PostgresInstance postgresInstance(KeeperIdentity id, PgCommands commands, KeeperProperties props) {
        Path passFile = PassFile.write(commands, id.dataDir(), props.superuser(), props.replication());
        PassFile.writeUpstream(commands, id.dataDir(), props.upstreamPassword());
        return new PostgresInstance(commands, id.dataDir().resolve("postgres"), id.dataDir().resolve("postgres.log"),
                passFile, PG_TIMEOUT);
    }

    @Bean
    PostgresObserver postgresObserver(PostgresInstance pg, KeeperProperties props) {
        KeeperProperties.Role su = props.superuser();
        return new PostgresObserver(pg, props.pg().localAddress(), props.pg().port(), su.username(), su.password(),
                Duration.ofSeconds(2));
    }

    private static void checkpoint(PostgresObserver observer) {
        try {
            observer.execute(st -> st.execute("CHECKPOINT"));
        } catch (java.sql.SQLException e) {
            throw new PgCommandException("CHECKPOINT: " + e.getMessage());
        }
    }

    @Bean
    PgBackRestSetup pgBackRestSetup(KeeperIdentity id, KeeperProperties props, PgCommands commands) {
        return new PgBackRestSetup(commands, PgBackRest.locate(props.backup().command()), props.backup().command(),
                id.dataDir().resolve("pgbackrest"), props.backup().secretDir(), id.dataDir().resolve("postgres"),
                props.pg().port(), Convergence.socketDir(id.dataDir(), props.pg().port()),
                props.superuser().username());
    }

    @Bean
    KeeperLoop keeperLoop(ClusterRepository repository, KeeperIdentity id, KeeperProperties props,
                          PostgresInstance pg, PostgresObserver observer, PgBackRestSetup pgBackRest,
                          PghaProperties pgha, MeterRegistry registry) {
        Convergence convergence = new Convergence(id, props, pg, observer, pgBackRest, pgha.clusterName());
        BackupAgent backups = new BackupAgent(repository, id.uid(), pgha.clusterName(), pgBackRest,
                () -> checkpoint(observer), Clock.systemUTC());
        EphemeralRegistration registration = new EphemeralRegistration(repository.store(),
                StoreKeys.keeper(id.uid()), LEASE_TTL);
        KeeperLoop loop = new KeeperLoop(repository, id, props, pg, observer, convergence, registration, backups,
                Clock.systemUTC());
        KeeperMetrics.register(registry, loop);
        return loop;
    }
}
