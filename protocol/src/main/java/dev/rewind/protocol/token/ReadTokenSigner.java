package dev.rewind.protocol.token;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and verifies read tokens: {@code rt1.<key id>.<payload>.<signature>}, where the payload is
 * base64url of {@code sessionId|createdAtMillis|expiresAtMillis} and the signature is
 * HMAC-SHA256 of everything before it. New tokens use the active key; any known key id verifies,
 * so keys rotate without a restart of every edge at once.
 */
public final class ReadTokenSigner {

    private static final String VERSION = "rt1";
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    private static final int MIN_KEY_BYTES = 32;
    private static final int MAX_TOKEN_CHARS = 512;
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private final Map<String, byte[]> keys;
    private final String activeKeyId;

    /** @param keys signing keys by key id, each at least 32 bytes; {@code activeKeyId} signs new tokens */
    public ReadTokenSigner(Map<String, byte[]> keys, String activeKeyId) {
        if (!keys.containsKey(activeKeyId)) {
            throw new IllegalArgumentException("active signing key id '" + activeKeyId + "' is not among the keys");
        }
        keys.forEach((id, key) -> {
            if (!KEY_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("signing key id '" + id + "' must match " + KEY_ID);
            }
            if (key.length < MIN_KEY_BYTES) {
                throw new IllegalArgumentException("signing key '" + id + "' must have at least 32 bytes");
            }
        });
        this.keys = Map.copyOf(keys);
        this.activeKeyId = activeKeyId;
    }

    public String sign(ReadToken token) {
        String payload = token.sessionId() + "|" + token.createdAt().toEpochMilli() + "|" + token.expiresAt().toEpochMilli();
        String unsigned = VERSION + "." + activeKeyId + "." + B64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
        return unsigned + "." + B64.encodeToString(hmac(keys.get(activeKeyId), unsigned));
    }

    /** Verifies signature and expiry at {@code now}; the caller still checks that the session id is the one asked for. */
    public ReadToken verify(String token, Instant now) throws InvalidTokenException {
        if (token == null || token.length() > MAX_TOKEN_CHARS) {
            throw new InvalidTokenException(InvalidTokenException.Reason.MALFORMED, "read token is malformed");
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 4 || !VERSION.equals(parts[0])) {
            throw new InvalidTokenException(InvalidTokenException.Reason.MALFORMED, "read token is malformed");
        }
        byte[] key = keys.get(parts[1]);
        if (key == null) {
            throw new InvalidTokenException(InvalidTokenException.Reason.UNKNOWN_KEY, "read token was signed with an unknown key");
        }
        byte[] expected = hmac(key, parts[0] + "." + parts[1] + "." + parts[2]);
        byte[] given;
        String payload;
        try {
            given = B64D.decode(parts[3]);
            payload = new String(B64D.decode(parts[2]), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new InvalidTokenException(InvalidTokenException.Reason.MALFORMED, "read token is malformed");
        }
        if (!MessageDigest.isEqual(expected, given)) {
            throw new InvalidTokenException(InvalidTokenException.Reason.BAD_SIGNATURE, "read token signature does not verify");
        }
        String[] fields = payload.split("\\|", -1);
        ReadToken parsed;
        try {
            parsed = new ReadToken(fields[0], Instant.ofEpochMilli(Long.parseLong(fields[1])),
                    Instant.ofEpochMilli(Long.parseLong(fields[2])));
        } catch (RuntimeException e) {
            throw new InvalidTokenException(InvalidTokenException.Reason.MALFORMED, "read token is malformed");
        }
        if (fields.length != 3) {
            throw new InvalidTokenException(InvalidTokenException.Reason.MALFORMED, "read token is malformed");
        }
        if (!now.isBefore(parsed.expiresAt())) {
            throw new InvalidTokenException(InvalidTokenException.Reason.EXPIRED, "read token has expired");
        }
        return parsed;
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }
}
