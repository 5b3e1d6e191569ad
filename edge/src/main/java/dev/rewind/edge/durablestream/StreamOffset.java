package dev.rewind.edge.durablestream;

import dev.rewind.edge.hub.Delivery;
import java.util.regex.Pattern;

/**
 * A position in a session's Durable Stream: after the event at Kafka offset {@code offset} with
 * seq {@code seq} ({@link #START}: before the first event). Written as both numbers zero-padded to
 * 19 digits, {@code <offset>_<seq>}, so tokens sort as strings in stream order (Rewind's own
 * {@code partition-offset-seq} ids do not); the partition follows from the session id.
 */
record StreamOffset(long offset, long seq) {

    static final StreamOffset START = new StreamOffset(-1, 0);

    private static final Pattern TOKEN = Pattern.compile("\\d{19}_\\d{19}");
    /** How {@link #START} is written: below every event's token, and not the protocol's reserved {@code -1}. */
    private static final String START_TOKEN = "0000000000000000000_0000000000000000000";

    static StreamOffset after(Delivery delivery) {
        return new StreamOffset(delivery.offset(), delivery.id().seq());
    }

    /** Parses a token this edge wrote; anything else is refused with a client-facing reason. */
    static StreamOffset parse(String token) {
        if (token == null || !TOKEN.matcher(token).matches()) {
            throw new IllegalArgumentException("offset must be -1, now, or a Stream-Next-Offset this stream returned");
        }
        if (token.equals(START_TOKEN)) {
            return START;
        }
        long offset = Long.parseLong(token.substring(0, 19));
        long seq = Long.parseLong(token.substring(20));
        if (seq < 1) {
            throw new IllegalArgumentException("offset must be -1, now, or a Stream-Next-Offset this stream returned");
        }
        return new StreamOffset(offset, seq);
    }

    boolean isStart() {
        return seq == 0;
    }

    String token() {
        return isStart() ? START_TOKEN : "%019d_%019d".formatted(offset, seq);
    }
}
