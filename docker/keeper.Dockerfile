# The keeper-service image: the keeper and the PostgreSQL 15 it runs (server binaries: initdb, pg_ctl,
# pg_basebackup, pg_rewind) with pgBackRest for archiving and backups, Debian's JRE, the jar split into layers, and
# one non-root user (uid 999, the keeper and PostgreSQL, which refuses root).
# Build context: keeper-service/, after `./mvnw -DskipTests package`:
#   docker build -f docker/keeper.Dockerfile -t pgha/keeper-service keeper-service
# BASE_IMAGE: any Debian bookworm image (scripts/images.sh makes one with debootstrap where no registry is reachable).
# No HEALTHCHECK: Kubernetes probes /actuator/health/{liveness,readiness}.
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS runtime
# No "main" cluster from the package: the keeper runs initdb itself in its data dir. The postgres user takes uid 999
# before the packages create their files, so that everything is owned by the user the container runs as.
RUN groupadd --system --gid 999 postgres \
 && useradd --system --uid 999 --gid postgres --home-dir /var/lib/postgresql --shell /bin/bash postgres \
 && mkdir -p /etc/postgresql-common/createcluster.d \
 && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/pgha.conf \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 pgbackrest \
      openjdk-17-jre-headless locales \
 && sed -i 's/^# *\(en_US.UTF-8\)/\1/' /etc/locale.gen && locale-gen \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log \
 && mkdir -p /var/lib/pgha /var/lib/pgbackrest /var/log/pgbackrest /var/spool/pgbackrest /var/run/postgresql \
 && chown postgres:postgres /var/lib/pgha /var/lib/pgbackrest /var/log/pgbackrest /var/spool/pgbackrest \
      /var/run/postgresql

FROM runtime AS layers
WORKDIR /build
COPY target/keeper-service.jar application.jar
RUN java -Djarmode=tools -jar application.jar extract --layers --destination extracted

FROM runtime
WORKDIR /opt/pgha
COPY --from=layers /build/extracted/dependencies/ ./
COPY --from=layers /build/extracted/spring-boot-loader/ ./
COPY --from=layers /build/extracted/snapshot-dependencies/ ./
COPY --from=layers /build/extracted/application/ ./
ENV LANG=en_US.UTF-8 \
    PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=20 -XX:+ExitOnOutOfMemoryError"
# Class data sharing, as in service.Dockerfile: a training run that exits once the context is refreshed (before the
# keeper connects anywhere or starts PostgreSQL), with a throw-away data dir and password file.
ARG CDS=true
RUN if [ "$CDS" = true ]; then \
      mkdir -p /tmp/cds-training && echo cds-training >/tmp/cds-training/pw && chmod 600 /tmp/cds-training/pw \
      && chown -R postgres:postgres /tmp/cds-training \
      && runuser -u postgres -- java -XX:ArchiveClassesAtExit=/tmp/cds-training/application.jsa \
        -Dspring.context.exit=onRefresh -jar /opt/pgha/application.jar --pgha.cluster-name=cds-training \
        --pgha.store.endpoints=http://127.0.0.1:1 --server.port=0 --pgha.keeper.data-dir=/tmp/cds-training/data \
        --pgha.keeper.pg.superuser.password-file=/tmp/cds-training/pw \
        --pgha.keeper.pg.replication.password-file=/tmp/cds-training/pw >/tmp/cds-training/log 2>&1 \
      || { tail -30 /tmp/cds-training/log; exit 1; }; \
      mv /tmp/cds-training/application.jsa /opt/pgha/application.jsa && test -s /opt/pgha/application.jsa \
      && rm -rf /tmp/cds-training; \
    fi
USER 999:999
VOLUME /var/lib/pgha
EXPOSE 5432 8431
# -Xshare:auto: an archive that does not match (another JVM) is skipped, never a failed start.
ENTRYPOINT ["java", "-XX:SharedArchiveFile=/opt/pgha/application.jsa", "-Xshare:auto", "-jar", "/opt/pgha/application.jar"]
