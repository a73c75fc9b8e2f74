package io.pgha.store;

import java.util.Optional;

/**
 * Outcome of a compare-and-swap. On success {@code revision} is the new revision; on conflict
 * {@code current} holds what the store has now (empty when the key is absent), so the caller can re-plan
 * without another round trip.
 */
public record CasResult(boolean succeeded, long revision, Optional<Versioned<String>> current) {
    public static CasResult success(long revision) {
        return new CasResult(true, revision, Optional.empty());
    }

    public static CasResult conflict(Optional<Versioned<String>> current) {
        return new CasResult(false, current.map(Versioned::revision).orElse(0L), current);
    }
}
