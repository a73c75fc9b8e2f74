package io.pgha.admin.keepers;

import io.pgha.admin.cluster.ClusterAccess;
import io.pgha.admin.cluster.ClusterView;
import io.pgha.admin.web.ApiProblem;
import io.pgha.admin.web.JsonBody;
import io.pgha.admin.web.Uids;
import io.pgha.config.PghaProperties;
import io.pgha.model.ClusterData;
import io.pgha.model.ClusterSpec;
import io.pgha.model.DB;
import io.pgha.model.Keeper;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Keepers: list, add (admit) with their settings, change priority and flags, remove, rebuild. Removing or
 * rebuilding the primary is refused.
 */
@RestController
@RequestMapping("/api/v1/keepers")
public class KeeperController {
    private static final int MAX_PRIORITY = 1_000_000;

    private final ClusterAccess access;
    private final String clusterName;

    public KeeperController(ClusterAccess access, PghaProperties pgha) {
        this.access = access;
        this.clusterName = pgha.clusterName();
    }

    @Operation(summary = "Every keeper known to the cluster")
    @GetMapping
    public List<ClusterView.KeeperView> list() {
        return view().keepers();
    }

    @Operation(summary = "One keeper")
    @GetMapping("/{uid}")
    public ClusterView.KeeperView get(@PathVariable String uid) {
        Uids.require("uid", uid);
        return find(view(), uid);
    }

    @Operation(summary = "Add (admit) a keeper with its settings; with keeperAdmission=registered only added keepers"
            + " join")
    @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(mediaType = "application/json",
            examples = @ExampleObject(value = "{\"uid\": \"keeper-4\", \"priority\": 0, \"noFailover\": false,"
                    + " \"noSync\": true}")))
    @PostMapping
    public ResponseEntity<ClusterView.KeeperView> add(@RequestBody(required = false) byte[] raw) {
        JsonBody body = JsonBody.parse(raw, false).only(Set.of("uid", "priority", "noFailover", "noSync"));
        String uid = body.string("uid", true);
        if (uid != null && !Uids.valid(uid)) {
            body.reject("uid", "must be 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        Integer priority = body.integer("priority", 0, MAX_PRIORITY);
        Boolean noFailover = body.bool("noFailover");
        Boolean noSync = body.bool("noSync");
        body.requireValid();
        Keeper.Spec spec = new Keeper.Spec(priority == null ? Keeper.Spec.DEFAULT_PRIORITY : priority,
                Boolean.TRUE.equals(noFailover), Boolean.TRUE.equals(noSync), true);
        access.update("keeper " + uid + " added", null, cd -> {
            if (cd.keepers().containsKey(uid)) {
                throw ApiProblem.conflict("keeper " + uid + " exists already; PATCH it to change its settings");
            }
            return cd.withKeeper(new Keeper(uid, 1, spec, new Keeper.Status(false, null, null, null, false)));
        });
        return ResponseEntity.created(URI.create("/api/v1/keepers/" + uid)).body(find(view(), uid));
    }

    @Operation(summary = "Change a keeper's priority, noFailover, noSync or admitted")
    @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(mediaType = "application/json",
            examples = @ExampleObject(value = "{\"priority\": 5}")))
    @PatchMapping("/{uid}")
    public ClusterView.KeeperView patch(@PathVariable String uid, @RequestBody(required = false) byte[] raw) {
        Uids.require("uid", uid);
        JsonBody body = JsonBody.parse(raw, false).only(Set.of("priority", "noFailover", "noSync", "admitted"));
        Integer priority = body.integer("priority", 0, MAX_PRIORITY);
        Boolean noFailover = body.bool("noFailover");
        Boolean noSync = body.bool("noSync");
        Boolean admitted = body.bool("admitted");
        body.requireValid();
        access.update("keeper " + uid + " changed", null, cd -> {
            Keeper k = keeper(cd, uid);
            Keeper.Spec s = k.spec();
            Keeper.Spec next = new Keeper.Spec(priority != null ? priority : s.priority(),
                    noFailover != null ? noFailover : s.noFailover(), noSync != null ? noSync : s.noSync(),
                    admitted != null ? admitted : s.admitted());
            return next.equals(s) ? cd : cd.withKeeper(k.withSpec(next));
        });
        return find(view(), uid);
    }

    @Operation(summary = "Remove a keeper and its DB (refused for the primary). Stop the keeper first: with"
            + " keeperAdmission=open a running keeper joins again")
    @DeleteMapping("/{uid}")
    public Map<String, Object> remove(@PathVariable String uid) {
        Uids.require("uid", uid);
        boolean running = access.repository().keeperInfos().containsKey(uid);
        access.update("keeper " + uid + " removed", null, cd -> {
            keeper(cd, uid);
            Optional<DB> db = notPrimary(cd, uid, "remove");
            // With open admission a running keeper would be admitted again at once: the removal would not stick.
            if (running && cd.cluster().spec().effective().keeperAdmission() == ClusterSpec.KeeperAdmission.OPEN) {
                throw ApiProblem.conflict("keeper " + uid + " is still running (its info is in the store) and "
                        + "keeperAdmission is open, so it would join again: stop it first, then remove it once its "
                        + "info expired");
            }
            ClusterData next = cd.withoutKeeper(uid);
            return db.map(d -> next.withoutDb(d.uid())).orElse(next);
        });
        return Map.of("removed", uid);
    }

    @Operation(summary = "Rebuild a standby from the primary: its DB is dropped and the sentinel assigns a new one"
            + " (fresh base backup)")
    @PostMapping("/{uid}/reinit")
    public ResponseEntity<Map<String, Object>> reinit(@PathVariable String uid) {
        Uids.require("uid", uid);
        String[] dropped = new String[1];
        access.update("keeper " + uid + " reinitialized", null, cd -> {
            keeper(cd, uid);
            DB db = notPrimary(cd, uid, "reinitialize").orElseThrow(() -> ApiProblem.conflict("keeper " + uid
                    + " has no DB yet; the sentinel assigns one when it is healthy"));
            dropped[0] = db.uid();
            return cd.withoutDb(db.uid());
        });
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(Map.of("keeper", uid, "droppedDb", dropped[0]));
    }

    private ClusterView view() {
        var repo = access.repository();
        return ClusterView.of(clusterName, access.read().value(), repo.keeperInfos(), Map.of(), Map.of(), null, null);
    }

    private static ClusterView.KeeperView find(ClusterView v, String uid) {
        return v.keepers().stream().filter(k -> k.uid().equals(uid)).findFirst()
                .orElseThrow(() -> ApiProblem.notFound("no keeper " + uid));
    }

    private static Keeper keeper(ClusterData cd, String uid) {
        Keeper k = cd.keepers().get(uid);
        if (k == null) {
            throw ApiProblem.notFound("no keeper " + uid);
        }
        return k;
    }

    private static Optional<DB> notPrimary(ClusterData cd, String uid, String verb) {
        Optional<DB> db = cd.dbOfKeeper(uid);
        String master = cd.cluster().status().master();
        if (db.isPresent() && (db.get().uid().equals(master) || db.get().spec().role() == DB.Role.MASTER)) {
            throw ApiProblem.conflict("keeper " + uid + " runs the primary; switch over first, then " + verb + " it");
        }
        return db;
    }
}
