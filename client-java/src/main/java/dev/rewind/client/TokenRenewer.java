package dev.rewind.client;

import java.io.IOException;
import java.time.Instant;

/**
 * Gets a fresh read token for a session from the current one. The default asks the edge
 * ({@code POST /v1/sessions/{id}/token}, docs/api.md); a service may get tokens from elsewhere.
 * Throw {@link RewindClientException} with status 401, 403 or 404 when renewal is refused for good;
 * any other failure is retried with the backoff.
 */
@FunctionalInterface
public interface TokenRenewer {

    RenewedToken renew(String sessionId, String currentToken) throws IOException, InterruptedException;

    /** A fresh token and its expiry (null when unknown; then the token's own expiry is read if it has one). */
    record RenewedToken(String token, Instant expiresAt) {
        public RenewedToken {
            if (token == null || token.isBlank()) {
                throw new IllegalArgumentException("a renewed token must not be empty");
            }
        }
    }
}
