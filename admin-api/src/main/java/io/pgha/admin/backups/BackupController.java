package io.pgha.admin.backups;

import io.pgha.admin.AdminProperties;
import io.pgha.admin.cluster.ClusterAccess;
import io.pgha.admin.web.ApiProblem;
import io.pgha.admin.web.JsonBody;
import io.pgha.config.PghaProperties;
import io.pgha.model.BackupConfig;
import io.pgha.model.Backups;
import io.pgha.model.Cluster;
import io.pgha.model.ClusterData;
import io.pgha.model.Uids;
import io.pgha.store.Versioned;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The built-in backups (docs/backup.md): the catalogue, and a backup now. The API writes the request into the
 * store key {@code backups} (compare-and-swap: one backup at a time) and the primary's keeper runs it; the call
 * waits for the outcome up to {@code ?timeout=}.
 */
@RestController
@RequestMapping("/api/v1/backups")
public class BackupController {
    private static final Logger log = LoggerFactory.getLogger(BackupController.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final ClusterAccess access;
    private final AdminProperties props;
    private final String clusterName;
    private final Clock clock;

    public BackupController(ClusterAccess access, AdminProperties props, PghaProperties pgha, Clock clock) {
        this.access = access;
        this.props = props;
        this.clusterName = pgha.clusterName();
        this.clock = clock;
    }

    /** GET /backups: whether backups are configured, the stanza, the run in progress, the last, the catalogue. */
    public record BackupsView(boolean configured, String stanza, Backups.Run current, Backups.Run last,
                              Map<String, Backups.Slot> scheduled, List<Backups.BackupSet> catalog, Instant catalogAt,
                              String problem) {
    }

    @Operation(summary = "The backup catalogue (pgBackRest's backups of this cluster's stanza), the backup running,"
            + " the last one and the schedule")
    @GetMapping
    public BackupsView catalog() {
        ClusterData cd = access.read().value();
        Backups b = backups();
        boolean configured = cd.cluster().spec().backup() != null;
        return new BackupsView(configured, configured ? clusterName : null, b.current(), b.last(), b.scheduled(),
                b.catalog(), b.catalogAt(), b.problem());
    }

    @Operation(summary = "Take a backup now (type full, diff or incr; default full) on the primary; 200 when it"
            + " finished within ?timeout=, 202 while it runs, 409 when backup is not configured or one runs already")
    @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(mediaType = "application/json",
            examples = {@ExampleObject(name = "full", value = "{\"type\": \"full\"}"),
                    @ExampleObject(name = "incremental", value = "{\"type\": \"incr\"}")}))
    @PostMapping
    public ResponseEntity<Map<String, Object>> backup(@RequestBody(required = false) byte[] raw,
                                                      @RequestParam(required = false) String timeout)
            throws InterruptedException {
        JsonBody body = JsonBody.parse(raw, true).only(Set.of("type"));
        String typeText = body.string("type", false);
        BackupConfig.Type type = typeText == null ? BackupConfig.Type.FULL : BackupConfig.Type.parse(typeText);
        if (type == null) {
            body.reject("type", "must be full, diff or incr, not '" + typeText + "'");
        }
        body.requireValid();
        Duration wait = props.waitFor(timeout);
        ClusterData cd = access.read().value();
        if (cd.cluster().spec().backup() == null) {
            throw ApiProblem.conflict("backup is not configured: set backup in the cluster spec (docs/backup.md)");
        }
        if (cd.cluster().status().phase() != Cluster.Phase.NORMAL || cd.cluster().status().master() == null) {
            throw ApiProblem.conflict("the cluster has no primary to back up yet");
        }
        String id = Uids.random("backup-");
        access.repository().updateBackups(b -> {
            if (b.current() != null) {
                throw new ApiProblem(HttpStatus.CONFLICT, "Conflict", "backup " + b.current().id() + " ("
                        + b.current().type().label() + ") is " + (b.current().running() ? "running on keeper "
                        + b.current().keeperUid() : "requested") + "; one backup runs at a time", List.of(),
                        Map.of("current", b.current()));
            }
            return b.withCurrent(Backups.Run.requested(id, type, Backups.Trigger.API, clock.instant()));
        });
        log.info("event=backup-requested id={} type={}", id, type.label());
        return awaitOutcome(id, wait);
    }

    private Backups backups() {
        return access.repository().backups().map(Versioned::value).orElse(Backups.empty());
    }

    private ResponseEntity<Map<String, Object>> awaitOutcome(String id, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            Backups b = backups();
            if (b.last() != null && b.last().id().equals(id)) {
                Backups.Run run = b.last();
                if (run.outcome() != Backups.Outcome.SUCCEEDED) {
                    throw new ApiProblem(HttpStatus.INTERNAL_SERVER_ERROR, "Backup " + run.outcome().name()
                            .toLowerCase(), run.error(), List.of(), Map.of("backup", run));
                }
                return ResponseEntity.ok(Map.of("backup", run));
            }
            if (b.current() == null || !b.current().id().equals(id)) {
                throw ApiProblem.conflict("backup " + id + " was replaced before it finished");
            }
            if (System.nanoTime() >= deadline) {
                Map<String, Object> answer = new LinkedHashMap<>();
                answer.put("backup", b.current());
                return ResponseEntity.status(HttpStatus.ACCEPTED).body(answer);
            }
            Thread.sleep(POLL.toMillis());
        }
    }
}
