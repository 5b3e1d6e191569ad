package dev.rewind.edge.compat;

import dev.rewind.protocol.TokenEvent;
import java.util.List;

/**
 * Translates a session's events into another API's stream frames (each one SSE {@code data:}
 * payload). Stateful, one per response; {@link #ended()} once it wrote its last frame.
 */
public interface Dialect {

    List<String> frames(TokenEvent event);

    /** The frames that end a stream cut before the session ended (slow client, shutdown, idle). */
    List<String> interrupted(String why);

    boolean ended();

    /** The data payload that ends both dialects' streams. */
    String DONE = "[DONE]";
}
