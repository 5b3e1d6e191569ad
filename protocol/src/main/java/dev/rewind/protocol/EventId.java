package dev.rewind.protocol;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SSE {@code id:} of a token event: its partition and offset in {@code rewind.tokens} (so a
 * resume is a seek, not a scan) and its {@code seq} within the session. Written as
 * {@code partition-offset-seq}, for example {@code 2-18733-12}.
 */
public record EventId(int partition, long offset, long seq) {

    private static final Pattern FORMAT = Pattern.compile("(\\d{1,9})-(\\d{1,18})-(\\d{1,18})");

    public EventId {
        if (partition < 0 || offset < 0 || seq < 0) {
            throw new IllegalArgumentException("event id parts must not be negative");
        }
    }

    /** Parses an id as written by {@link #toString()}; anything else is refused with a reason. */
    public static EventId parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("event id is missing");
        }
        Matcher m = FORMAT.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a Rewind event id (expected partition-offset-seq)");
        }
        return new EventId(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)));
    }

    @Override
    public String toString() {
        return partition + "-" + offset + "-" + seq;
    }
}
