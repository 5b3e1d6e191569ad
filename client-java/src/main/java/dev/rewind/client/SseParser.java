package dev.rewind.client;

/**
 * Turns decoded SSE text into events by the WHATWG rules: lines end in CRLF, LF or CR (also split
 * across pieces), {@code :} starts a comment, {@code data} lines join with LF, the last event id
 * persists, {@code retry} takes digits only. A pure state machine, fed whatever pieces the network gives.
 */
final class SseParser {

    /** What the parser reports. */
    interface Listener {
        void event(String id, String type, String data);

        void retry(long millis);

        void comment();
    }

    private final Listener listener;
    private final StringBuilder line = new StringBuilder();
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private boolean skipLf;
    private String type = "";
    private String lastEventId;

    SseParser(Listener listener) {
        this.listener = listener;
    }

    void feed(char[] chars, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            char c = chars[i];
            if (skipLf) {
                skipLf = false;
                if (c == '\n') {
                    continue;
                }
            }
            if (c == '\r' || c == '\n') {
                skipLf = c == '\r';
                line(line.toString());
                line.setLength(0);
            } else {
                line.append(c);
            }
        }
    }

    void feed(String text) {
        feed(text.toCharArray(), 0, text.length());
    }

    /** Characters of the line in progress: bounded by the caller, which refuses absurd lines. */
    int pendingLineLength() {
        return line.length() + data.length();
    }

    private void line(String text) {
        if (text.isEmpty()) {
            dispatch();
            return;
        }
        if (text.charAt(0) == ':') {
            listener.comment();
            return;
        }
        int colon = text.indexOf(':');
        String field = colon < 0 ? text : text.substring(0, colon);
        String value = colon < 0 ? "" : text.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "event" -> type = value;
            case "data" -> {
                data.append(value).append('\n');
                hasData = true;
            }
            case "id" -> {
                if (value.indexOf('\0') < 0) {
                    lastEventId = value.isEmpty() ? null : value;
                }
            }
            case "retry" -> {
                if (!value.isEmpty() && value.length() <= 18 && value.chars().allMatch(Character::isDigit)) {
                    listener.retry(Long.parseLong(value));
                }
            }
            default -> {
                // unknown fields are ignored, as the SSE rules say
            }
        }
    }

    private void dispatch() {
        if (hasData) {
            listener.event(lastEventId, type.isEmpty() ? "message" : type, data.substring(0, data.length() - 1));
        }
        type = "";
        data.setLength(0);
        hasData = false;
    }
}
