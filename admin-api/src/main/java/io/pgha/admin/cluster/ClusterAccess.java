package io.pgha.admin.cluster;

import io.pgha.admin.web.ApiProblem;
import io.pgha.model.ClusterData;
import io.pgha.model.InvalidSpecException;
import io.pgha.model.MalformedDocumentException;
import io.pgha.store.CasResult;
import io.pgha.store.ClusterRepository;
import io.pgha.store.Versioned;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Reads the cluster data and changes it with compare-and-swap. A change that does not validate is refused
 * before it reaches the store; a malformed stored value is reported and never overwritten.
 */
@Component
public class ClusterAccess {
    private static final Logger log = LoggerFactory.getLogger(ClusterAccess.class);
    private static final int ATTEMPTS = 5;

    private final ClusterRepository repository;

    public ClusterAccess(ClusterRepository repository) {
        this.repository = repository;
    }

    public ClusterRepository repository() {
        return repository;
    }

    /** The cluster data, or 404 when the cluster was never initialized. */
    public Versioned<ClusterData> read() {
        try {
            return repository.clusterData().orElseThrow(() -> ApiProblem.notFound(
                    "no cluster data: initialize the cluster with POST /api/v1/cluster"));
        } catch (MalformedDocumentException e) {
            log.error("event=malformed-cluster-data reason=\"{}\"", e.getMessage());
            throw new ApiProblem(HttpStatus.INTERNAL_SERVER_ERROR, "Cluster data unreadable",
                    e.getMessage() + " (left as it is; fix or restore it in the store)");
        }
    }

    /**
     * Applies {@code change} to the current cluster data with CAS, re-reading and re-applying after a race
     * (the change must be a pure function of the data). With {@code ifMatchGeneration} the caller asserted the
     * cluster generation it saw: a different one, or a lost race, is a 409 the client can retry.
     */
    public Versioned<ClusterData> update(String what, Long ifMatchGeneration, UnaryOperator<ClusterData> change) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Versioned<ClusterData> current = read();
            long generation = current.value().cluster().generation();
            if (ifMatchGeneration != null && ifMatchGeneration != generation) {
                throw generationConflict(ifMatchGeneration, generation);
            }
            ClusterData next = change.apply(current.value());
            if (next.equals(current.value())) {
                return current;
            }
            CasResult r;
            try {
                r = repository.putClusterData(next, current.revision());
            } catch (InvalidSpecException e) {
                throw ApiProblem.invalid(e.getMessage(), e.violations());
            }
            if (r.succeeded()) {
                log.info("event=cluster-data-changed change=\"{}\" revision={}", what, r.revision());
                return new Versioned<>(current.key(), next, r.revision());
            }
            if (ifMatchGeneration != null) {
                throw generationConflict(ifMatchGeneration, -1);
            }
        }
        throw ApiProblem.conflict("the cluster data kept changing while " + what + "; retry");
    }

    private static ApiProblem generationConflict(long expected, long current) {
        return new ApiProblem(HttpStatus.CONFLICT, "Conflict", "the cluster changed concurrently (If-Match "
                + expected + (current >= 0 ? ", current generation " + current : "") + "); re-read and retry",
                java.util.List.of(), current >= 0 ? Map.of("generation", current) : Map.of());
    }
}
