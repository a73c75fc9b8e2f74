package io.pgha.keeper.postgres;

/** PostgreSQL WAL positions ({@code 16/B374D848}) as plain byte numbers. */
public final class Lsn {
    private Lsn() {
    }

    public static long parse(String lsn) {
        if (lsn == null || lsn.isEmpty()) {
            return 0;
        }
        int slash = lsn.indexOf('/');
        return (Long.parseLong(lsn.substring(0, slash), 16) << 32) | Long.parseLong(lsn.substring(slash + 1), 16);
    }

    public static String format(long position) {
        return Long.toHexString(position >>> 32).toUpperCase() + "/" + Long.toHexString(position & 0xFFFFFFFFL)
                .toUpperCase();
    }
}
