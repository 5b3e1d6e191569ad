package dev.rewind.client;

import java.time.Instant;

/**
 * A session as {@code POST /v1/sessions} answered it: its id and read token (plus the token's expiry
 * when known, for early renewal).
 */
public record Session(String id, String token, String eventsUrl, String wsUrl, Instant tokenExpiresAt) {

    public Session {
        if (id == null || id.isBlank() || token == null || token.isBlank()) {
            throw new IllegalArgumentException("a session needs an id and a read token");
        }
    }

    /** A session known by id and read token only (e.g. handed over by another service). */
    public static Session of(String id, String token) {
        return new Session(id, token, null, null, null);
    }
}
