package io.pgha.admin.web;

import java.util.regex.Pattern;

/** Uids in paths and bodies: letters, digits, '.', '_' and '-', up to 128, never a path. */
public final class Uids {
    private static final Pattern UID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    private Uids() {
    }

    public static boolean valid(String uid) {
        return uid != null && UID.matcher(uid).matches() && !uid.contains("..");
    }

    public static String require(String field, String uid) {
        if (!valid(uid)) {
            throw ApiProblem.invalid(field, "must be 1-128 letters, digits, '.', '_' or '-', starting with a letter"
                    + " or digit");
        }
        return uid;
    }
}
