package dev.rewind.edge.auth;

import dev.rewind.protocol.config.ConfigException;
import dev.rewind.protocol.token.InvalidTokenException;
import dev.rewind.protocol.token.ReadToken;
import dev.rewind.protocol.token.ReadTokenSigner;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/** Issues and checks the per-session read tokens. */
public final class ReadTokens {

    private final ReadTokenSigner signer;
    private final Duration ttl;
    private final Clock clock;

    public ReadTokens(AuthSettings settings, Clock clock) {
        Map<String, byte[]> keys = new HashMap<>();
        settings.signingKeys().forEach((id, base64) -> {
            if (base64 == null || base64.isBlank()) {
                throw new ConfigException("auth.signing_keys." + id, "is empty; give base64 of 32+ random bytes");
            }
            try {
                keys.put(id, Base64.getDecoder().decode(base64.strip()));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("auth.signing_keys." + id, "is not valid base64");
            }
        });
        try {
            this.signer = new ReadTokenSigner(keys, settings.activeSigningKey());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("auth.signing_keys", e.getMessage());
        }
        this.ttl = Duration.ofSeconds(settings.tokenTtlSeconds());
        this.clock = clock;
    }

    public String issue(String sessionId, Instant createdAt) {
        return issueToken(sessionId, createdAt).token();
    }

    /** A fresh token and when it expires. */
    public Issued issueToken(String sessionId, Instant createdAt) {
        Instant expiresAt = clock.instant().plus(ttl);
        return new Issued(signer.sign(new ReadToken(sessionId, createdAt, expiresAt)), expiresAt);
    }

    public record Issued(String token, Instant expiresAt) {}

    /** Verifies {@code token} and that it was issued for {@code sessionId}. */
    public ReadToken verify(String token, String sessionId) throws InvalidTokenException, WrongSessionException {
        return verify(token, sessionId, null);
    }

    /**
     * Verifies {@code token} for {@code sessionId} as of {@code at} (null: now); renewal passes a
     * moment in the past so that a token expired within the grace period still counts.
     */
    public ReadToken verify(String token, String sessionId, Instant at) throws InvalidTokenException, WrongSessionException {
        ReadToken verified = signer.verify(token, at == null ? clock.instant() : at);
        if (!verified.sessionId().equals(sessionId)) {
            throw new WrongSessionException();
        }
        return verified;
    }

    /** A valid token for another session: the answer is 403, whatever the session. */
    public static final class WrongSessionException extends Exception {
        WrongSessionException() {
            super("read token belongs to another session", null, false, false);
        }
    }
}
