package io.pgha.keeper.postgres;

/** How PostgreSQL is stopped ({@code pg_ctl stop -m}): fast rolls back sessions and shuts down cleanly, immediate does not. */
public enum StopMode {
    FAST, IMMEDIATE;

    String pgCtl() {
        return name().toLowerCase();
    }
}
