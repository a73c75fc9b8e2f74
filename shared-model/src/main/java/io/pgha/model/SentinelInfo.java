package io.pgha.model;

import java.time.Instant;

/** What a sentinel publishes under {@code sentinels/<uid>}, bound to its lease. */
public record SentinelInfo(String uid, String instanceId, Instant startTime, Instant time) {
}
