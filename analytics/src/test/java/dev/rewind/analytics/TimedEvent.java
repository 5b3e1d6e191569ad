package dev.rewind.analytics;

import dev.rewind.protocol.TokenEvent;

/** A token event as it sits in rewind.tokens: keyed by its session, with its record timestamp. */
record TimedEvent(TokenEvent event, long timestamp) {

    String sessionId() {
        return event.sessionId();
    }
}
