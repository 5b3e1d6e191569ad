package dev.rewind.ingest.session;

import dev.rewind.protocol.ProviderFormat;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Watches an attempt's raw bytes for what ingest must decide on — did the provider send its
 * terminal marker, did it report an error inside the 200 stream — by the start of each line, without
 * parsing the stream (the stream-processor does that, authoritatively). Bounded: only the first
 * bytes of the current line are kept.
 */
final class StreamOutcome {

    private static final int KEEP = 24;
    private static final byte[] DONE = "data: [DONE]".getBytes(StandardCharsets.US_ASCII);
    private static final byte[][] ERRORS = {
        "data: {\"error\"".getBytes(StandardCharsets.US_ASCII), "data:{\"error\"".getBytes(StandardCharsets.US_ASCII)
    };

    private final ProviderFormat format;
    private final byte[] line = new byte[KEEP];
    private int kept;
    private boolean terminated;
    private boolean upstreamError;

    StreamOutcome(ProviderFormat format) {
        this.format = format;
    }

    void feed(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            byte b = bytes[i];
            if (b == '\n' || b == '\r') {
                endOfLine();
            } else if (kept < KEEP) {
                line[kept++] = b;
            }
        }
    }

    /** True once the provider's terminal marker went by; a stream that ends without it was truncated. */
    boolean terminated() {
        return terminated || format != ProviderFormat.OPENAI_CHAT;
    }

    boolean upstreamError() {
        return upstreamError;
    }

    void end() {
        endOfLine();
    }

    private void endOfLine() {
        if (kept > 0) {
            if (startsWith(DONE)) {
                terminated = true;
            }
            for (byte[] error : ERRORS) {
                upstreamError |= startsWith(error);
            }
        }
        kept = 0;
    }

    private boolean startsWith(byte[] prefix) {
        return kept >= prefix.length && Arrays.equals(line, 0, prefix.length, prefix, 0, prefix.length);
    }
}
