package dev.rewind.edge.hub;

import dev.rewind.protocol.EventId;

/**
 * Where a stream starts: after a known event (a seek to its offset + 1), at the session's
 * beginning, at the live end, or after a given seq.
 */
public sealed interface Cursor {

    record After(EventId id) implements Cursor {}

    record FromStart() implements Cursor {}

    record Live() implements Cursor {}

    record AfterSeq(long seq) implements Cursor {}

    /**
     * DESIGN §4: the {@code Last-Event-ID} header wins, then {@code last_event_id}, then
     * {@code from=start|live|seq:N}, else the start. Throws with a client-facing reason on garbage.
     */
    public static Cursor resolve(String lastEventIdHeader, String lastEventIdQuery, String from) {
        String id = lastEventIdHeader != null && !lastEventIdHeader.isBlank() ? lastEventIdHeader : lastEventIdQuery;
        if (id != null && !id.isBlank()) {
            try {
                return new After(EventId.parse(id.strip()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Last-Event-ID is " + e.getMessage());
            }
        }
        if (from == null || from.isBlank() || from.equals("start")) {
            return new FromStart();
        }
        if (from.equals("live")) {
            return new Live();
        }
        if (from.startsWith("seq:")) {
            try {
                long seq = Long.parseLong(from.substring(4));
                if (seq >= 0) {
                    return new AfterSeq(seq);
                }
            } catch (NumberFormatException e) {
                // falls through to the refusal below
            }
        }
        throw new IllegalArgumentException("'from' must be start, live or seq:N");
    }
}
