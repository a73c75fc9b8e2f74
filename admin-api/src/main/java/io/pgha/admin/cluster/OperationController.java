package io.pgha.admin.cluster;

import io.pgha.admin.AdminProperties;
import io.pgha.admin.web.ApiProblem;
import io.pgha.admin.web.JsonBody;
import io.pgha.model.Cluster;
import io.pgha.model.ClusterData;
import io.pgha.model.DB;
import io.pgha.model.Uids;
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
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Forced failover, planned switchover, rolling restart and reload. The API writes the request into
 * {@code cluster.status.operation} (CAS) and the sentinel leader carries it out; the call waits for the outcome up
 * to {@code ?timeout=}: 200 with the primary, 202 while still running, 412 when it failed (nobody may be promoted,
 * with the sentinel's reasons per standby; a restart step that did not end), 409 when paused or another operation
 * runs.
 */
@RestController
@RequestMapping("/api/v1/cluster")
public class OperationController {
    private static final Logger log = LoggerFactory.getLogger(OperationController.class);
    private static final Duration POLL = Duration.ofMillis(100);

    private final ClusterAccess access;
    private final AdminProperties props;
    private final Clock clock;

    public OperationController(ClusterAccess access, AdminProperties props, Clock clock) {
        this.access = access;
        this.props = props;
        this.clock = clock;
    }

    @io.swagger.v3.oas.annotations.Operation(summary = "Forced failover of the current primary, optionally to a"
            + " named standby (DB or keeper uid)")
    @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(mediaType = "application/json",
            examples = {@ExampleObject(name = "best candidate", value = "{}"),
                    @ExampleObject(name = "named", value = "{\"candidate\": \"keeper-2\"}")}))
    @PostMapping("/failover")
    public ResponseEntity<Map<String, Object>> failover(@RequestBody(required = false) byte[] body,
                                                        @RequestParam(required = false) String timeout)
            throws InterruptedException {
        return run(Cluster.Operation.Type.FAILOVER, body, timeout);
    }

    @io.swagger.v3.oas.annotations.Operation(summary = "Planned switchover: no acknowledged commit lost, even with"
            + " asynchronous replication; optionally to a named standby and at a scheduled time")
    @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(mediaType = "application/json",
            examples = {@ExampleObject(name = "now", value = "{\"candidate\": \"keeper-2\"}"),
                    @ExampleObject(name = "scheduled", value = "{\"scheduledAt\": \"2026-12-01T02:00:00Z\"}")}))
    @PostMapping("/switchover")
    public ResponseEntity<Map<String, Object>> switchover(@RequestBody(required = false) byte[] body,
                                                          @RequestParam(required = false) String timeout)
            throws InterruptedException {
        return run(Cluster.Operation.Type.SWITCHOVER, body, timeout);
    }

    @io.swagger.v3.oas.annotations.Operation(summary = "Cancel the switchover that is scheduled or waiting to start;"
            + " 404 when none is, 409 once it started (the proxies are fenced then, and it runs to its end)")
    @DeleteMapping("/switchover")
    public Map<String, Object> cancelSwitchover() {
        return cancel(Cluster.Operation.Type.SWITCHOVER);
    }

    @io.swagger.v3.oas.annotations.Operation(summary = "Rolling restart of PostgreSQL: standbys one at a time (each"
            + " streaming again before the next), then the primary by a planned switchover to a standby with every"
            + " acknowledged commit, else in place. pendingOnly (default true): only instances with parameters waiting"
            + " for a restart; keepers: only these; scheduledAt: not before then")
    @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(mediaType = "application/json",
            examples = {@ExampleObject(name = "pending parameters", value = "{}"),
                    @ExampleObject(name = "everything", value = "{\"pendingOnly\": false}"),
                    @ExampleObject(name = "one keeper, tonight", value = "{\"keepers\": [\"keeper-2\"],"
                            + " \"scheduledAt\": \"2026-12-01T02:00:00Z\"}")}))
    @PostMapping("/restart")
    public ResponseEntity<Map<String, Object>> restart(@RequestBody(required = false) byte[] raw,
                                                       @RequestParam(required = false) String timeout)
            throws InterruptedException {
        JsonBody body = JsonBody.parse(raw, true).only(Set.of("pendingOnly", "keepers", "scheduledAt"));
        Boolean pendingOnly = body.bool("pendingOnly");
        List<String> keepers = body.strings("keepers");
        Instant scheduledAt = body.instant("scheduledAt");
        body.requireValid();
        Cluster.Operation.Progress scope = Cluster.Operation.Progress.of(pendingOnly == null || pendingOnly,
                keepers == null ? List.of() : keepers.stream().distinct().sorted().toList(), false);
        return start(Cluster.Operation.Type.RESTART, null, scheduledAt, scope, props.waitFor(timeout));
    }

    @io.swagger.v3.oas.annotations.Operation(summary = "Cancel the rolling restart that is scheduled or waiting to"
            + " start; 404 when none is, 409 once it started (it runs to its end)")
    @DeleteMapping("/restart")
    public Map<String, Object> cancelRestart() {
        return cancel(Cluster.Operation.Type.RESTART);
    }

    @io.swagger.v3.oas.annotations.Operation(summary = "Every healthy keeper reloads its PostgreSQL configuration now")
    @PostMapping("/reload")
    public ResponseEntity<Map<String, Object>> reload(@RequestBody(required = false) byte[] raw,
                                                      @RequestParam(required = false) String timeout)
            throws InterruptedException {
        JsonBody.parse(raw, true).only(Set.of()).requireValid();
        return start(Cluster.Operation.Type.RELOAD, null, null, null, props.waitFor(timeout));
    }

    private Map<String, Object> cancel(Cluster.Operation.Type type) {
        Cluster.Operation[] cancelled = new Cluster.Operation[1];
        access.update(type.label() + " cancelled", null, cd -> {
            Cluster.Status s = cd.cluster().status();
            Cluster.Operation op = s.operation();
            if (op == null || op.finished() || op.type() != type) {
                throw ApiProblem.notFound("no " + type.label() + " is scheduled");
            }
            if (op.state() != Cluster.Operation.State.PENDING) {
                throw ApiProblem.conflict(type.label() + " " + op.id() + " has started: it cannot be withdrawn now");
            }
            cancelled[0] = op.withState(Cluster.Operation.State.CANCELLED, "cancelled by the operator");
            return cd.withCluster(cd.cluster().withStatus(s.withOperation(cancelled[0])));
        });
        log.info("event=operation-cancelled id={} type={} scheduledAt={}", cancelled[0].id(), type.label(),
                cancelled[0].scheduledAt());
        return Map.of("operation", cancelled[0]);
    }

    private ResponseEntity<Map<String, Object>> run(Cluster.Operation.Type type, byte[] raw, String timeoutParam)
            throws InterruptedException {
        boolean switchover = type == Cluster.Operation.Type.SWITCHOVER;
        JsonBody body = JsonBody.parse(raw, true)
                .only(switchover ? Set.of("candidate", "scheduledAt") : Set.of("candidate"));
        String candidate = body.string("candidate", false);
        Instant scheduledAt = switchover ? body.instant("scheduledAt") : null;
        body.requireValid();
        return start(type, candidate, scheduledAt, null, props.waitFor(timeoutParam));
    }

    private ResponseEntity<Map<String, Object>> start(Cluster.Operation.Type type, String candidate,
                                                      Instant scheduledAt, Cluster.Operation.Progress scope,
                                                      Duration wait) throws InterruptedException {
        String id = Uids.random("op-");
        access.update(type.label() + " requested", null, cd -> request(cd, type, id, candidate, scheduledAt, scope));
        log.info("event=operation-requested id={} type={} candidate={} scheduledAt={}{}", id, type.label(),
                candidate == null ? "best" : candidate, scheduledAt, scope == null ? ""
                        : " pendingOnly=" + scope.pendingOnly() + " keepers=" + (scope.keepers().isEmpty() ? "all"
                        : scope.keepers()));
        return awaitOutcome(id, wait);
    }

    private ClusterData request(ClusterData cd, Cluster.Operation.Type type, String id, String candidate,
                                Instant scheduledAt, Cluster.Operation.Progress scope) {
        Cluster.Status s = cd.cluster().status();
        if (s.phase() != Cluster.Phase.NORMAL) {
            throw ApiProblem.conflict("the cluster is still initializing");
        }
        if (s.paused()) {
            throw ApiProblem.conflict("the cluster is paused (maintenance mode); resume it first");
        }
        if (s.operation() != null && !s.operation().finished()) {
            throw ApiProblem.conflict("operation " + s.operation().id() + " (" + s.operation().type().label()
                    + ", " + s.operation().state().name().toLowerCase() + ") is in progress");
        }
        if (type.replacesMaster() && s.master() == null) {
            throw ApiProblem.conflict("there is no primary to replace");
        }
        if (scope != null) {
            List<String> unknown = scope.keepers().stream().filter(k -> !cd.keepers().containsKey(k)).toList();
            if (!unknown.isEmpty()) {
                throw ApiProblem.invalid("keepers", "no keeper is named " + String.join(", ", unknown));
            }
        }
        String db = candidate == null ? null : resolveDb(cd, candidate);
        if (db != null && s.master() != null && s.master().equals(db)) {
            throw new ApiProblem(HttpStatus.PRECONDITION_FAILED, "Not eligible", candidate + " is the primary already");
        }
        Cluster.Operation op = new Cluster.Operation(id, type, db, clock.instant(), scheduledAt,
                Cluster.Operation.State.PENDING, null, null, scope);
        return cd.withCluster(cd.cluster().withStatus(new Cluster.Status(s.phase(), s.master(), s.paused(), op,
                s.message())));
    }

    private static String capitalized(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** A candidate may be named by DB uid or by keeper uid. */
    static String resolveDb(ClusterData cd, String candidate) {
        if (cd.dbs().containsKey(candidate)) {
            return candidate;
        }
        return cd.dbOfKeeper(candidate).map(DB::uid).orElseThrow(() -> ApiProblem.notFound(
                "no DB or keeper with a DB is named " + candidate));
    }

    private ResponseEntity<Map<String, Object>> awaitOutcome(String id, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            ClusterData cd = access.read().value();
            Cluster.Operation op = cd.cluster().status().operation();
            if (op == null || !op.id().equals(id)) {
                throw ApiProblem.conflict("operation " + id + " was replaced before it finished");
            }
            if (op.state() == Cluster.Operation.State.CANCELLED) {
                throw ApiProblem.conflict("operation " + id + " was cancelled before it started");
            }
            if (op.state() == Cluster.Operation.State.FAILED) {
                throw new ApiProblem(HttpStatus.PRECONDITION_FAILED, op.type().replacesMaster() ? "No eligible candidate"
                        : capitalized(op.type().label()) + " failed", op.message(), List.of(), Map.of("operation", op));
            }
            if (op.state() == Cluster.Operation.State.DONE || System.nanoTime() >= deadline) {
                Map<String, Object> answer = new LinkedHashMap<>();
                answer.put("operation", op);
                String primary = cd.cluster().status().master();
                if (primary != null) {
                    answer.put("primary", primary);
                    answer.put("primaryKeeper", cd.dbs().get(primary).spec().keeperUid());
                }
                return ResponseEntity.status(op.state() == Cluster.Operation.State.DONE ? HttpStatus.OK
                        : HttpStatus.ACCEPTED).body(answer);
            }
            Thread.sleep(POLL.toMillis());
        }
    }
}
