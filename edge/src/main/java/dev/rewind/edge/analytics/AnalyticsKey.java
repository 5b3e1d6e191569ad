package dev.rewind.edge.analytics;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * A key of {@code rewind.analytics}: {@code window|<upstream>|<model>|<window start>} or
 * {@code total|<upstream>|<model>}, parts percent-encoded ({@code %25}, {@code %7C}). Parsed so that
 * windows older than the horizon are skipped without parsing their values, and tombstones
 * (null values) know what they delete.
 */
record AnalyticsKey(String upstream, String model, Instant windowStart) {

    /** The series part of the key. */
    Series series() {
        return new Series(upstream, model);
    }

    boolean isWindow() {
        return windowStart != null;
    }

    /** True for a {@code key|<owner>|<upstream>|<model>|<window start>} key: one API key's billing, not a series. */
    static boolean isKeyWindow(String key) {
        return key != null && key.startsWith("key|");
    }

    /** The key, or empty for one not in the analytics app's format. */
    static Optional<AnalyticsKey> parse(String key) {
        if (key == null) {
            return Optional.empty();
        }
        String[] parts = key.split("\\|", -1);
        try {
            if (parts.length == 4 && parts[0].equals("window")) {
                return Optional.of(new AnalyticsKey(decode(parts[1]), decode(parts[2]), Instant.parse(parts[3])));
            }
            if (parts.length == 3 && parts[0].equals("total")) {
                return Optional.of(new AnalyticsKey(decode(parts[1]), decode(parts[2]), null));
            }
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The inverse of {@code AnalyticsRecord.keyPart}: {@code %7C} → {@code |}, then {@code %25} → {@code %}. */
    private static String decode(String part) {
        return part.replace("%7C", "|").replace("%25", "%");
    }

    /** One upstream and model: what the analytics app counts separately. */
    record Series(String upstream, String model) implements Comparable<Series> {
        @Override
        public int compareTo(Series other) {
            int byUpstream = upstream.compareTo(other.upstream);
            return byUpstream != 0 ? byUpstream : model.compareTo(other.model);
        }
    }
}
