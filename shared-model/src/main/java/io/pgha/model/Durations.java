package io.pgha.model;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as operators write them in the cluster spec, Go/Stolon style: {@code "500ms"}, {@code "5s"},
 * {@code "1m30s"}, {@code "2h"}. Kept as text in the spec so that a bad value is reported by field name
 * instead of failing the whole document's parse.
 */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

    private Durations() {
    }

    /** The parsed duration, or empty when the text is not a valid duration. */
    public static Optional<Duration> tryParse(String text) {
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        Matcher m = PART.matcher(text);
        long nanos = 0;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                return Optional.empty();
            }
            end = m.end();
            double amount = Double.parseDouble(m.group(1));
            long unitNanos = switch (m.group(2)) {
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            double partNanos = amount * unitNanos;
            if (partNanos > Long.MAX_VALUE - nanos) {
                return Optional.empty();
            }
            nanos += (long) partNanos;
        }
        return end == text.length() ? Optional.of(Duration.ofNanos(nanos)) : Optional.empty();
    }

    /** Parses a duration known to be valid (validated spec, constant). */
    public static Duration parse(String text) {
        return tryParse(text).orElseThrow(() -> new IllegalArgumentException(
                "invalid duration '" + text + "': expected e.g. 500ms, 5s, 1m30s, 2h"));
    }

    /** Formats a duration the way {@link #parse} reads it, e.g. {@code 1m30s}, {@code 500ms}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        if (ms % 1000 != 0) {
            return ms + "ms";
        }
        long s = ms / 1000;
        StringBuilder b = new StringBuilder();
        if (s >= 3600) {
            b.append(s / 3600).append('h');
            s %= 3600;
        }
        if (s >= 60) {
            b.append(s / 60).append('m');
            s %= 60;
        }
        if (s > 0) {
            b.append(s).append('s');
        }
        return b.toString();
    }
}
