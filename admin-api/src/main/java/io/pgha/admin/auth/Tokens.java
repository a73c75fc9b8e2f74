package io.pgha.admin.auth;

import io.pgha.admin.AdminProperties;
import io.pgha.config.Secrets;
import io.pgha.config.StartupFailure;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * The configured bearer tokens. Resolving them fails startup when auth is on and no operator token is
 * set: an admin API that anyone can drive must be a deliberate choice ({@code pgha.admin.auth.enabled=false}).
 */
public final class Tokens {
    private final boolean enabled;
    private final boolean anonymousRead;
    private final byte[] operator;
    private final byte[] viewer;

    private Tokens(boolean enabled, boolean anonymousRead, byte[] operator, byte[] viewer) {
        this.enabled = enabled;
        this.anonymousRead = anonymousRead;
        this.operator = operator;
        this.viewer = viewer;
    }

    public static Tokens resolve(AdminProperties.Auth auth) {
        Optional<String> operator;
        Optional<String> viewer;
        try {
            operator = Secrets.read("pgha.admin.auth.operator-token", auth.operatorToken(), auth.operatorTokenFile());
            viewer = Secrets.read("pgha.admin.auth.viewer-token", auth.viewerToken(), auth.viewerTokenFile());
        } catch (IllegalArgumentException e) {
            throw new StartupFailure(e.getMessage(), "Fix the token file or value.");
        }
        if (auth.enabled() && operator.isEmpty()) {
            throw new StartupFailure("pgha.admin.auth is enabled but no operator token is configured"
                    + " (pgha.admin.auth.operator-token or pgha.admin.auth.operator-token-file)",
                    "Set PGHA_ADMIN_AUTH_OPERATORTOKENFILE to a file holding the token, or disable auth with"
                            + " pgha.admin.auth.enabled=false on a trusted network.");
        }
        return new Tokens(auth.enabled(), auth.anonymousRead(), operator.map(Tokens::bytes).orElse(null),
                viewer.map(Tokens::bytes).orElse(null));
    }

    public boolean enabled() {
        return enabled;
    }

    public boolean anonymousRead() {
        return anonymousRead;
    }

    /** The role a presented token grants; constant-time comparisons, never logged. */
    public Role roleOf(String presented) {
        if (presented == null) {
            return Role.NONE;
        }
        byte[] p = bytes(presented);
        boolean isOperator = operator != null && MessageDigest.isEqual(p, operator);
        boolean isViewer = viewer != null && MessageDigest.isEqual(p, viewer);
        return isOperator ? Role.OPERATOR : isViewer ? Role.VIEWER : Role.NONE;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public enum Role {
        NONE, VIEWER, OPERATOR
    }
}
