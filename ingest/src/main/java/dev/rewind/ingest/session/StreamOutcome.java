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

    private static final int KEEP = 32;

    private final byte[][] terminalLines;
    private final byte[][] errorLines;
    private final byte[] line = new byte[KEEP];
    private int kept;
    private boolean terminated;
    private boolean upstreamError;

    StreamOutcome(ProviderFormat format) {
        switch (format) {
            case OPENAI_CHAT -> {
                terminalLines = lines("data: [DONE]");
                errorLines = lines("data: {\"error\"", "data:{\"error\"");
            }
            case ANTHROPIC -> {
                terminalLines = lines("event: message_stop", "event:message_stop");
                errorLines = lines("event: error", "event:error");
            }
            case OPENAI_RESPONSES -> {
                terminalLines = lines("event: response.completed", "event: response.incomplete", "event: response.failed");
                errorLines = lines("event: error", "event:error", "event: response.failed");
            }
            default -> {
                terminalLines = null; // formats whose end is the end of the body
                errorLines = lines();
            }
        }
    }

    private static byte[][] lines(String... prefixes) {
        byte[][] bytes = new byte[prefixes.length][];
        for (int i = 0; i < prefixes.length; i++) {
            bytes[i] = prefixes[i].getBytes(StandardCharsets.US_ASCII);
        }
        return bytes;
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
        return terminated || terminalLines == null;
    }

    boolean upstreamError() {
        return upstreamError;
    }

    void end() {
        endOfLine();
    }

    private void endOfLine() {
        if (kept > 0) {
            if (terminalLines != null) {
                for (byte[] terminal : terminalLines) {
                    terminated |= startsWith(terminal);
                }
            }
            for (byte[] error : errorLines) {
                upstreamError |= startsWith(error);
            }
        }
        kept = 0;
    }

    private boolean startsWith(byte[] prefix) {
        return kept >= prefix.length && Arrays.equals(line, 0, prefix.length, prefix, 0, prefix.length);
    }
}
