package dev.rewind.client;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * Reads the expiry of an edge read token {@code rt1.<key id>.<payload>.<signature>}, whose payload is
 * base64url of {@code session|created_at ms|expires_at ms}. Used only to renew early; the edge alone
 * decides whether a token is valid, and a token of any other shape simply has no known expiry.
 */
final class ReadTokenExpiry {

    private ReadTokenExpiry() {}

    static Instant of(String token) {
        String[] parts = token == null ? new String[0] : token.split("\\.", -1);
        if (parts.length != 4 || !parts[0].equals("rt1")) {
            return null;
        }
        try {
            String[] fields = new String(Base64.getUrlDecoder().decode(parts[2]), StandardCharsets.UTF_8).split("\\|", -1);
            return fields.length == 3 ? Instant.ofEpochMilli(Long.parseLong(fields[2])) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
