package io.pgha.model;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Random identifiers: uids of keepers, proxies, DBs, clusters and operations, and process instance ids. Eight hex
 * digits after a prefix that says what it names ({@code k3f9a01c2}, {@code db0b1c2d3e}); lower case letters and
 * digits only, so that a uid is also a valid replication slot and application name.
 */
public final class Uids {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Uids() {
    }

    public static String random(String prefix) {
        byte[] b = new byte[4];
        RANDOM.nextBytes(b); // not generateSeed: that may block on the kernel's entropy pool
        return prefix + HexFormat.of().formatHex(b);
    }
}
