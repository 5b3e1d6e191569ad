package dev.rewind.protocol.token;

import java.time.Instant;
import java.util.Objects;

/** What a read token proves: the session exists, was created at {@code createdAt}, and may be read until {@code expiresAt}. */
public record ReadToken(String sessionId, Instant createdAt, Instant expiresAt) {
    public ReadToken {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }
}
