package dev.rewind.processor.sse;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import java.util.Optional;

/**
 * The WHATWG "interpret an event stream" rules over lines: {@code field: value} with one leading
 * space dropped, comments ignored, {@code data} lines joined with LF, dispatch on an empty line,
 * {@code id} kept across events (unless it contains NUL), unknown fields ignored. State is plain
 * fields so that it can be kept in a state store between chunks.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class SseParser {

    private String data = "";
    private boolean hasData;
    private String eventType;
    private String lastEventId = "";
    private boolean discarding;

    /** Takes one line; answers the event it completes, if any. */
    public Optional<SseEvent> line(String line) {
        if (discarding) {
            discarding = !line.isEmpty(); // the rest of a discarded event, up to its blank line
            return Optional.empty();
        }
        if (line.isEmpty()) {
            return dispatch();
        }
        if (line.charAt(0) == ':') {
            return Optional.empty();
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (!value.isEmpty() && value.charAt(0) == ' ') {
            value = value.substring(1);
        }
        switch (field) {
            case "event" -> eventType = value;
            case "data" -> {
                data = hasData ? data + value + "\n" : value + "\n";
                hasData = true;
            }
            case "id" -> {
                if (value.indexOf('\0') < 0) {
                    lastEventId = value;
                }
            }
            default -> { } // retry and unknown fields do not affect the stream's events
        }
        return Optional.empty();
    }

    /**
     * The stream ended: the event still being built, if it has data. The WHATWG rules would discard
     * it; providers sometimes omit the final blank line, so the caller decides (WIRE-FORMATS §1).
     */
    public Optional<SseEvent> pending() {
        Optional<SseEvent> event = dispatch();
        data = "";
        hasData = false;
        return event;
    }

    /** Drops the event being built and the rest of its lines (it grew past the limit). */
    public void discard() {
        data = "";
        hasData = false;
        eventType = null;
        discarding = true;
    }

    /** Characters held for the event being built. */
    public int pendingChars() {
        return data.length();
    }

    private Optional<SseEvent> dispatch() {
        if (!hasData) {
            eventType = null;
            return Optional.empty();
        }
        String payload = data.endsWith("\n") ? data.substring(0, data.length() - 1) : data;
        SseEvent event = new SseEvent(eventType == null || eventType.isEmpty() ? "message" : eventType, payload, lastEventId);
        data = "";
        hasData = false;
        eventType = null;
        return Optional.of(event);
    }
}
