package io.pgha.keeper.probe;

import io.pgha.keeper.converge.KeeperLoop;
import io.pgha.keeper.converge.KeeperView;
import io.pgha.keeper.postgres.Observation;
import io.pgha.model.ByteSizes;
import io.pgha.model.DB;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Role probes for load balancers and Kubernetes (docs/keeper.md): 200 when the instance is what the path asks,
 * 503 otherwise. GET and HEAD. Answers come from the keeper's latest look, so they are instant.
 */
@RestController
class ProbeController {
    private final KeeperLoop loop;

    ProbeController(KeeperLoop loop) {
        this.loop = loop;
    }

    /** The elected primary, running read-write. */
    @GetMapping("/primary")
    ResponseEntity<Map<String, Object>> primary() {
        KeeperView v = loop.view();
        Observation o = v.observation();
        return answer(o.healthy() && !o.inRecovery() && v.electedPrimary() && v.assignedRole() == DB.Role.MASTER
                && !loop.fenced(), v);
    }

    /** A streaming standby within {@code lag} (bytes or e.g. {@code 16MB}) of the master. */
    @GetMapping("/replica")
    ResponseEntity<Map<String, Object>> replica(@RequestParam Optional<String> lag) {
        KeeperView v = loop.view();
        Observation o = v.observation();
        boolean ok = o.healthy() && o.inRecovery() && o.streaming();
        if (ok && lag.isPresent()) {
            Optional<Long> max = ByteSizes.tryParse(lag.get());
            if (max.isEmpty()) {
                return ResponseEntity.badRequest().body(Map.of("error", "invalid lag '" + lag.get()
                        + "': expected bytes or e.g. 16MB"));
            }
            ok = v.lagBytes() != null && v.lagBytes() <= max.get();
        }
        return answer(ok, v);
    }

    /**
     * A streaming standby that is synchronous and in sync (the master's commits wait for it): for load balancers
     * that send reads only where every acknowledged commit is.
     */
    @GetMapping("/sync")
    ResponseEntity<Map<String, Object>> sync() {
        KeeperView v = loop.view();
        return answer(streamingStandby(v) && v.synchronous(), v);
    }

    /** A streaming standby that is not synchronous. */
    @GetMapping("/async")
    ResponseEntity<Map<String, Object>> async() {
        KeeperView v = loop.view();
        return answer(streamingStandby(v) && !v.synchronous(), v);
    }

    private static boolean streamingStandby(KeeperView v) {
        Observation o = v.observation();
        return o.healthy() && o.inRecovery() && o.streaming() && v.assignedRole() == DB.Role.STANDBY;
    }

    /**
     * A standby cluster's standby leader: elected, following the upstream, running as a standby (streaming, or
     * restoring from the upstream's archive).
     */
    @GetMapping("/standby-leader")
    ResponseEntity<Map<String, Object>> standbyLeader() {
        KeeperView v = loop.view();
        Observation o = v.observation();
        return answer(o.healthy() && o.inRecovery() && v.standbyLeader(), v);
    }

    /** The primary or a healthy standby: anything that can serve reads. */
    @GetMapping("/read-only")
    ResponseEntity<Map<String, Object>> readOnly() {
        KeeperView v = loop.view();
        Observation o = v.observation();
        return answer(o.healthy() && (!o.inRecovery() ? v.electedPrimary() : o.streaming()), v);
    }

    /** PostgreSQL runs and answers. */
    @GetMapping("/health")
    ResponseEntity<Map<String, Object>> health() {
        KeeperView v = loop.view();
        return answer(v.observation().healthy(), v);
    }

    private static ResponseEntity<Map<String, Object>> answer(boolean ok, KeeperView v) {
        Map<String, Object> body = new LinkedHashMap<>();
        Observation o = v.observation();
        body.put("running", o.running());
        body.put("role", o.role().label());
        body.put("assignedRole", v.assignedRole() == null ? null : v.assignedRole().name().toLowerCase());
        body.put("timeline", o.timelineId());
        body.put("walPosition", o.walPosition());
        body.put("lagBytes", v.lagBytes());
        body.put("synchronous", v.synchronous());
        if (v.standbyLeader()) {
            body.put("standbyLeader", true);
            body.put("upstreamLagBytes", o.upstream() == null ? null
                    : o.upstream().lagBehind(o.replayedWalPosition()));
        }
        return ResponseEntity.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).body(body);
    }
}
