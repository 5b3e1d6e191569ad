package dev.rewind.edge.durablestream;

import dev.rewind.edge.hub.Delivery;
import java.util.ArrayList;
import java.util.List;

/**
 * One read of a session's Durable Stream: every event of the session, from its first on, goes
 * through the dialect (which keeps state across events, so a read from an offset renders the same
 * messages as a read from the start), and the messages of events after the client's offset are
 * kept. Knows the next offset, whether the stream is closed, and whether the client's offset names
 * a position of this stream, or one that retention already deleted.
 */
final class ReadProgress {

    /** The client's offset is not a position of this stream. The message is client-facing. */
    static final class BadOffsetException extends Exception {
        BadOffsetException(String message) {
            super(message, null, false, false);
        }
    }

    /** Events after the client's offset were deleted by retention. The message is client-facing. */
    static final class GoneException extends Exception {
        GoneException(String message) {
            super(message, null, false, false);
        }
    }

    private final MessageDialect.Renderer renderer;
    private final StreamOffset from;
    private final List<String> kept = new ArrayList<>();
    private boolean keeping;
    private boolean tail;
    private boolean seenAny;
    private boolean matched;
    private boolean closed;
    private StreamOffset position;

    /** A read after {@code from}; {@code tail}: after whatever the stream holds now (offset {@code now}). */
    ReadProgress(MessageDialect.Renderer renderer, StreamOffset from, boolean tail) {
        this.renderer = renderer;
        this.from = tail ? StreamOffset.START : from;
        this.tail = tail;
        this.keeping = !tail && from.isStart();
        this.matched = from.isStart();
        this.position = this.from;
    }

    /** Takes the session's next event. */
    void accept(Delivery delivery) throws BadOffsetException, GoneException {
        if (!seenAny && !tail && delivery.offset() > from.offset() && delivery.id().seq() > from.seq() + 1) {
            throw new GoneException("the stream's data after this offset was deleted by retention");
        }
        boolean first = !seenAny;
        seenAny = true;
        List<String> messages = renderer.ended() ? List.of() : renderer.messages(delivery);
        if (!keeping && !tail) {
            if (delivery.offset() < from.offset()) {
                position = StreamOffset.after(delivery);
                return;
            }
            if (delivery.offset() == from.offset()) {
                if (delivery.id().seq() != from.seq()) {
                    throw new BadOffsetException("offset is not a position of this stream");
                }
                matched = true;
                keeping = true;
                position = StreamOffset.after(delivery);
                closed = delivery.event().isTerminal() || renderer.ended();
                return;
            }
            // past the offset without meeting it: only the offset's own event may be gone (retention), never one after it
            if (!(first && delivery.id().seq() == from.seq() + 1)) {
                throw new BadOffsetException("offset is not a position of this stream");
            }
            matched = true;
            keeping = true;
        }
        if (keeping) {
            kept.addAll(messages);
        }
        position = StreamOffset.after(delivery);
        closed = delivery.event().isTerminal() || renderer.ended();
    }

    /** The read reached what the stream holds now: an offset it never met is past the stream's end. */
    void caughtUp() throws BadOffsetException {
        if (!matched && !tail) {
            throw new BadOffsetException("offset is past the end of the stream");
        }
        if (tail) {
            tail = false;
            matched = true;
            keeping = true;
        }
    }

    /** The messages kept since the last {@link #take}. */
    List<String> take() {
        List<String> out = List.copyOf(kept);
        kept.clear();
        return out;
    }

    boolean hasMessages() {
        return !kept.isEmpty();
    }

    int keptCount() {
        return kept.size();
    }

    boolean closed() {
        return closed;
    }

    StreamOffset position() {
        return position;
    }

    StreamOffset from() {
        return from;
    }
}
