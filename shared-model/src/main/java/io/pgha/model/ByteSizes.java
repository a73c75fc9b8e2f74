package io.pgha.model;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte amounts as operators write them: {@code 1048576}, {@code 512kB}, {@code 16MB}, {@code 1GB} (powers of 1024). */
public final class ByteSizes {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB|TB)?");

    private ByteSizes() {
    }

    public static Optional<Long> tryParse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = SIZE.matcher(text.strip().toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            return Optional.empty();
        }
        long n = Long.parseLong(m.group(1));
        int shift = switch (m.group(2) == null ? "B" : m.group(2)) {
            case "KB" -> 10;
            case "MB" -> 20;
            case "GB" -> 30;
            case "TB" -> 40;
            default -> 0;
        };
        return n > (Long.MAX_VALUE >> shift) ? Optional.empty() : Optional.of(n << shift);
    }

    public static long parse(String text) {
        return tryParse(text).orElseThrow(() -> new IllegalArgumentException("invalid size '" + text
                + "': expected e.g. 1048576, 512kB, 16MB"));
    }
}
