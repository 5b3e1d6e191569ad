package dev.rewind.ingest.session;

import dev.rewind.protocol.ProviderFormat;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Watches an attempt's raw bytes for what ingest must decide on — did the provider send its
 * terminal marker, did it report an error inside the 200 stream — without parsing the stream (the
 * stream-processor does that, authoritatively). Bounded: only the first bytes of the current line
 * are kept, and a search inside a line carries a few integers from byte to byte.
 *
 * <p>SSE formats are judged by the start of each line. Two formats need a look inside a line:
 * Ollama's last NDJSON line carries {@code "done":true} among its other fields (only a top-level
 * key counts, so a tool argument named {@code done} does not end the stream); Gemini has no terminal
 * marker at all — its stream ends at EOF, and a stream is complete when a chunk said why it ended:
 * a {@code "finishReason"} (or, for a blocked prompt, {@code "blockReason"}) anywhere in a data
 * line. A JSON string cannot hold an unescaped quote, so text that merely mentions the word cannot
 * match.
 */
final class StreamOutcome {

    private static final int KEEP = 32;

    private final byte[][] terminalLines;
    private final byte[][] errorLines;
    private final LineSearch[] terminalSearches;
    private final byte[] line = new byte[KEEP];
    private int kept;
    private boolean terminated;
    private boolean upstreamError;

    StreamOutcome(ProviderFormat format) {
        LineSearch[] searches = {};
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
            case OLLAMA -> {
                terminalLines = lines();
                errorLines = lines("{\"error\"");
                searches = new LineSearch[] {new LineSearch("\"done\":true", true)};
            }
            case GEMINI -> {
                terminalLines = lines();
                errorLines = lines("data: {\"error\"", "data:{\"error\"");
                searches = new LineSearch[] {new LineSearch("\"finishReason\"", false), new LineSearch("\"blockReason\"", false)};
            }
            default -> throw new IllegalArgumentException("no stream outcome rules for " + format);
        }
        terminalSearches = searches;
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
                continue;
            }
            if (kept < KEEP) {
                line[kept++] = b;
            }
            for (LineSearch search : terminalSearches) {
                terminated |= search.feed(b);
            }
        }
    }

    /** True once the provider's terminal marker went by; a stream that ends without it was truncated. */
    boolean terminated() {
        return terminated;
    }

    boolean upstreamError() {
        return upstreamError;
    }

    void end() {
        endOfLine();
    }

    private void endOfLine() {
        if (kept > 0) {
            for (byte[] terminal : terminalLines) {
                terminated |= startsWith(terminal);
            }
            for (byte[] error : errorLines) {
                upstreamError |= startsWith(error);
            }
        }
        kept = 0;
        for (LineSearch search : terminalSearches) {
            search.reset();
        }
    }

    private boolean startsWith(byte[] prefix) {
        return kept >= prefix.length && Arrays.equals(line, 0, prefix.length, prefix, 0, prefix.length);
    }

    /**
     * Finds a byte pattern inside one line as the bytes go by (Knuth–Morris–Pratt, so a partial match
     * that fails never hides a real one). With {@code topLevelOnly}, the line is read as one JSON
     * object and only bytes at its top level are searched, whitespace outside strings skipped.
     */
    static final class LineSearch {

        private final byte[] pattern;
        private final int[] fallback;
        private final boolean topLevelOnly;
        private int matched;
        private int depth;
        private boolean inString;
        private boolean escaped;

        LineSearch(String pattern, boolean topLevelOnly) {
            this.pattern = pattern.getBytes(StandardCharsets.US_ASCII);
            this.topLevelOnly = topLevelOnly;
            this.fallback = new int[this.pattern.length];
            for (int i = 1, k = 0; i < this.pattern.length; i++) {
                while (k > 0 && this.pattern[i] != this.pattern[k]) {
                    k = fallback[k - 1];
                }
                if (this.pattern[i] == this.pattern[k]) {
                    k++;
                }
                fallback[i] = k;
            }
        }

        /** Feeds the line's next byte; true when the pattern just completed. */
        boolean feed(byte b) {
            if (topLevelOnly) {
                int before = depth;
                boolean wasInString = inString;
                track(b);
                if (before != 1 || depth != 1) {
                    matched = 0;
                    return false;
                }
                if (!wasInString && !inString && (b == ' ' || b == '\t')) {
                    return false;
                }
            }
            while (matched > 0 && b != pattern[matched]) {
                matched = fallback[matched - 1];
            }
            if (b == pattern[matched]) {
                matched++;
            }
            if (matched == pattern.length) {
                matched = fallback[matched - 1];
                return true;
            }
            return false;
        }

        private void track(byte b) {
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (b == '\\') {
                    escaped = true;
                } else if (b == '"') {
                    inString = false;
                }
            } else if (b == '"') {
                inString = true;
            } else if (b == '{' || b == '[') {
                depth++;
            } else if (b == '}' || b == ']') {
                depth--;
            }
        }

        void reset() {
            matched = 0;
            depth = 0;
            inString = false;
            escaped = false;
        }
    }
}
