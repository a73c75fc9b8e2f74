package io.pgha.sentinel.planner;

/** New DB uids, an input of the planner so that tests are deterministic. Uids must be valid slot names. */
@FunctionalInterface
public interface IdSource {
    String next();
}
