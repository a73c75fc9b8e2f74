# The image of a pgha Java service (sentinel-service, proxy-service, admin-api): Debian's JRE, the service's
# Spring Boot jar split into layers (dependencies, loader, snapshot dependencies, application), a non-root user.
# Build context: the module's folder, after `./mvnw -DskipTests package`:
#   docker build -f docker/service.Dockerfile --build-arg SERVICE=sentinel-service -t pgha/sentinel-service sentinel-service
# BASE_IMAGE: any Debian bookworm image (scripts/images.sh makes one with debootstrap where no registry is reachable).
# No HEALTHCHECK: Kubernetes probes /actuator/health/{liveness,readiness}.
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS jre
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log \
 && groupadd --system --gid 999 pgha && useradd --system --uid 999 --gid pgha --home-dir /opt/pgha pgha

# Extracting the jar needs only the JRE; the runtime image gets the extracted layers, not the fat jar.
FROM jre AS layers
ARG SERVICE
WORKDIR /build
COPY target/${SERVICE}.jar application.jar
RUN java -Djarmode=tools -jar application.jar extract --layers --destination extracted

FROM jre
WORKDIR /opt/pgha
# One layer per rate of change: a new build usually changes only the last one.
COPY --from=layers /build/extracted/dependencies/ ./
COPY --from=layers /build/extracted/spring-boot-loader/ ./
COPY --from=layers /build/extracted/snapshot-dependencies/ ./
COPY --from=layers /build/extracted/application/ ./
# Heap from the container's memory limit (the chart sets JAVA_TOOL_OPTIONS per service; this is the default).
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=60 -XX:+ExitOnOutOfMemoryError"
# Class data sharing: a training run starts the application context and exits before anything connects
# (spring.context.exit=onRefresh); the classes it loaded are archived, and every start maps them instead of loading
# and verifying them again (docs/benchmarks.md, "Service start"). The settings are placeholders for that run only.
# CDS=false builds the image without the archive (to measure the difference).
ARG CDS=true
RUN if [ "$CDS" = true ]; then \
      java -XX:ArchiveClassesAtExit=/opt/pgha/application.jsa -Dspring.context.exit=onRefresh \
        -jar /opt/pgha/application.jar --pgha.cluster-name=cds-training --pgha.store.endpoints=http://127.0.0.1:1 \
        --server.port=0 --pgha.admin.auth.operator-token=cds-training >/tmp/cds-training.log 2>&1 \
      || { tail -30 /tmp/cds-training.log; exit 1; }; \
      test -s /opt/pgha/application.jsa; rm -f /tmp/cds-training.log; \
    fi
USER 999:999
# -Xshare:auto: an archive that does not match (another JVM) is skipped, never a failed start.
ENTRYPOINT ["java", "-XX:SharedArchiveFile=/opt/pgha/application.jsa", "-Xshare:auto", "-jar", "/opt/pgha/application.jar"]
