package dev.rewind.client;

import java.time.Duration;

/**
 * Callbacks of {@link RewindClient#subscribe}: called on the subscription's own virtual thread, in
 * order, each event once. {@code onEnd} or {@code onError} is the last call.
 */
public interface SessionListener {

    /** A new event; never one seen before (a resume overlapping what was delivered is filtered out). */
    void onEvent(SessionEvent event);

    /** The session ended (its terminal event was delivered, or the edge said nothing follows). */
    default void onEnd() {}

    /** Following stopped for good; generation may go on (a disconnect never cancels it). */
    default void onError(RewindClientException error) {}

    /** The connection was lost or refused; the client reconnects after {@code delay}. */
    default void onReconnect(int attempt, Duration delay, String reason) {}
}
