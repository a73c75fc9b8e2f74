package io.pgha.admin.cluster;

import io.pgha.admin.web.ApiProblem;
import io.pgha.admin.web.JsonBody;
import io.pgha.config.PghaProperties;
import io.pgha.model.Backups;
import io.pgha.model.Cluster;
import io.pgha.model.ClusterData;
import io.pgha.model.ClusterHistory;
import io.pgha.model.ClusterSpec;
import io.pgha.model.JsonCodec;
import io.pgha.model.JsonMergePatch;
import io.pgha.model.MalformedDocumentException;
import io.pgha.model.Uids;
import io.pgha.model.Violation;
import io.pgha.store.CasResult;
import io.pgha.store.StoreKeys;
import io.pgha.store.Versioned;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** The cluster: view, initialization, spec, maintenance mode, history. */
@RestController
@RequestMapping("/api/v1/cluster")
public class ClusterController {
    private static final Logger log = LoggerFactory.getLogger(ClusterController.class);
    static final String SPEC_EXAMPLE = "{\"synchronousReplication\": true, \"minSynchronousStandbys\": 1,"
            + " \"failInterval\": \"4s\", \"pgParameters\": {\"max_connections\": \"200\"}}";

    private final ClusterAccess access;
    private final String clusterName;
    private final Clock clock;

    public ClusterController(ClusterAccess access, PghaProperties pgha, Clock clock) {
        this.access = access;
        this.clusterName = pgha.clusterName();
        this.clock = clock;
    }

    @Operation(summary = "The cluster view: phase, primary, keepers (health, role, address, timeline, WAL, lag,"
            + " sync, priority), proxies, sentinels, paused, the operation in progress")
    @GetMapping
    public ClusterView view() {
        ClusterData cd = access.read().value();
        var repo = access.repository();
        String leader = repo.store().get(StoreKeys.SENTINEL_LEADER).map(Versioned::value).orElse(null);
        Backups backups = repo.backups().map(Versioned::value).orElse(null);
        return ClusterView.of(clusterName, cd, repo.keeperInfos(), repo.proxyInfos(), repo.sentinelInfos(), leader,
                backups);
    }

    @Operation(summary = "Initialize the cluster with a spec (fields not given take their defaults)")
    @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(mediaType = "application/json",
            schema = @Schema(implementation = ClusterSpec.class), examples = @ExampleObject(value = SPEC_EXAMPLE)))
    @PostMapping
    public ResponseEntity<ClusterSpec> initialize(@RequestBody(required = false) byte[] body) {
        ClusterSpec spec = JsonBody.read(JsonBody.parse(body, true).node(), ClusterSpec.class, "cluster spec");
        requireValid(spec);
        Cluster cluster = new Cluster(Uids.random("c"), 1,
                clock.instant(), spec, new Cluster.Status(Cluster.Phase.INITIALIZING, null, false, null));
        CasResult r = access.repository().putClusterData(ClusterData.initial(cluster), 0);
        if (!r.succeeded()) {
            throw ApiProblem.conflict("the cluster is already initialized");
        }
        log.info("event=cluster-initialized uid={}", cluster.uid());
        return ResponseEntity.created(URI.create("/api/v1/cluster")).body(spec.withDefaults());
    }

    @Operation(summary = "The cluster spec with every default filled in; ETag = cluster generation")
    @GetMapping("/spec")
    public ResponseEntity<ClusterSpec> spec() {
        Cluster c = access.read().value().cluster();
        return ResponseEntity.ok().eTag("\"" + c.generation() + "\"").body(c.spec().withDefaults());
    }

    @Operation(summary = "Change the spec with a JSON merge patch (RFC 7386; null removes a field). If-Match: the"
            + " generation from GET /cluster/spec, refused with 409 when the cluster changed meanwhile")
    @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(mediaType = "application/merge-patch+json",
            examples = @ExampleObject(value = "{\"maxStandbyLag\": 2097152, \"pgParameters\": {\"work_mem\": \"8MB\"}}")))
    @PatchMapping(value = "/spec", consumes = {"application/merge-patch+json", "application/json"})
    public ResponseEntity<Map<String, Object>> patchSpec(@RequestBody(required = false) byte[] body,
                                                         @RequestHeader(value = "If-Match", required = false) String ifMatch) {
        JsonNode patch = JsonBody.parse(body, false).node();
        Long expected = ifMatch == null ? null : generation(ifMatch);
        ClusterSpec[] before = new ClusterSpec[1];
        ClusterSpec[] after = new ClusterSpec[1];
        Versioned<ClusterData> written = access.update("spec patched", expected, cd -> {
            ClusterSpec current = cd.cluster().spec();
            JsonNode patched = JsonMergePatch.apply(JsonCodec.toNode(current), patch);
            ClusterSpec read = JsonBody.read(patched, ClusterSpec.class, "patched cluster spec");
            ClusterSpec next = roleChange(current, read);
            requireValid(next, roleViolations(current, read));
            before[0] = current;
            after[0] = next;
            return next.equals(current) ? cd : cd.withCluster(cd.cluster().withSpec(next, clock.instant()));
        });
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("generation", written.value().cluster().generation());
        answer.put("spec", written.value().cluster().spec().withDefaults());
        answer.put("needsRestart", RestartParameters.changed(before[0].withDefaults().pgParameters(),
                after[0].withDefaults().pgParameters()));
        return ResponseEntity.ok().eTag("\"" + written.value().cluster().generation() + "\"").body(answer);
    }

    @Operation(summary = "Promote a standby cluster: its standby leader stops following the upstream and becomes the"
            + " master (the same as PATCH /spec {\"role\": \"master\"}); 409 when this is not a standby cluster")
    @PostMapping("/promote")
    public Map<String, Object> promote() {
        String[] leader = new String[1];
        Versioned<ClusterData> written = access.update("standby cluster promoted", null, cd -> {
            ClusterSpec current = cd.cluster().spec();
            if (!current.standbyCluster()) {
                throw ApiProblem.conflict("not a standby cluster (role is " + current.withDefaults().role()
                        + "): there is nothing to promote");
            }
            leader[0] = cd.cluster().status().master();
            return cd.withCluster(cd.cluster().withSpec(roleChange(current, current.withRole("master", null)),
                    clock.instant()));
        });
        log.info("event=promote-requested standbyLeader={} reason=\"operator request\"", leader[0]);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("role", "master");
        answer.put("standbyLeader", leader[0]);
        answer.put("generation", written.value().cluster().generation());
        return answer;
    }

    /**
     * A standby cluster that becomes a cluster of its own loses its upstream settings: they no longer mean anything
     * (and validation refuses standbyConfig beside role master).
     */
    static ClusterSpec roleChange(ClusterSpec current, ClusterSpec next) {
        return current.standbyCluster() && !next.standbyCluster() ? next.withRole(next.role(), null) : next;
    }

    /** A cluster of its own never becomes a standby cluster: that would replace its data with the upstream's. */
    static List<Violation> roleViolations(ClusterSpec current, ClusterSpec next) {
        return !current.standbyCluster() && next.standbyCluster() ? List.of(new Violation("role", "a cluster with its own master"
                + " cannot become a standby cluster (its data would be replaced by the upstream's); initialize a new"
                + " cluster with role standby")) : List.of();
    }

    @Operation(summary = "Maintenance mode: no automatic failover, keepers do not restart PostgreSQL")
    @PostMapping("/pause")
    public Map<String, Object> pause() {
        return paused(true);
    }

    @Operation(summary = "Leave maintenance mode")
    @PostMapping("/resume")
    public Map<String, Object> resume() {
        return paused(false);
    }

    private Map<String, Object> paused(boolean paused) {
        Versioned<ClusterData> v = access.update(paused ? "paused" : "resumed", null, cd -> {
            Cluster.Status s = cd.cluster().status();
            return s.paused() == paused ? cd : cd.withCluster(cd.cluster().withStatus(
                    new Cluster.Status(s.phase(), s.master(), paused, s.operation(), s.message())));
        });
        return Map.of("paused", v.value().cluster().status().paused());
    }

    @Operation(summary = "Master changes: time, reason (init, failover, switchover), from, to, timeline, WAL position")
    @GetMapping("/history")
    public ClusterHistory history() {
        access.read();
        try {
            return access.repository().history().map(Versioned::value).orElse(ClusterHistory.empty());
        } catch (MalformedDocumentException e) {
            throw new ApiProblem(HttpStatus.INTERNAL_SERVER_ERROR, "History unreadable", e.getMessage());
        }
    }

    static void requireValid(ClusterSpec spec) {
        requireValid(spec, List.of());
    }

    /** Refuses {@code spec} with every violation at once: its own and {@code more} (e.g. of the change). */
    static void requireValid(ClusterSpec spec, List<Violation> more) {
        List<Violation> violations = new java.util.ArrayList<>(more);
        violations.addAll(spec.validateSubmission());
        if (!violations.isEmpty()) {
            throw ApiProblem.invalid(violations.size() + " invalid spec field(s): " + violations.stream()
                    .map(Violation::toString).reduce((a, b) -> a + "; " + b).orElse(""), violations);
        }
    }

    private static long generation(String ifMatch) {
        String v = ifMatch.trim().replace("W/", "").replace("\"", "");
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ApiProblem.invalid("If-Match", "must be the cluster generation from GET /cluster/spec's ETag");
        }
    }
}
