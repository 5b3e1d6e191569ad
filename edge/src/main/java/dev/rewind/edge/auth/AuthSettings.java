package dev.rewind.edge.auth;

import dev.rewind.protocol.config.ConfigException;
import java.util.List;
import java.util.Map;

/**
 * API keys (stored as SHA-256 hex digests, never in clear) and the read-token signing keys
 * (base64, at least 32 bytes each; {@code active_signing_key} signs new tokens, every listed key verifies).
 * A read token is renewed with itself while valid or expired for at most {@code renewal_grace_seconds},
 * and only while its session is younger than {@code renewal_max_age_seconds} (the owner's key can
 * always get a fresh one), so a leaked token cannot be kept alive for ever.
 */
public record AuthSettings(
        List<ApiKeyEntry> apiKeys,
        Map<String, String> signingKeys,
        String activeSigningKey,
        long tokenTtlSeconds,
        long renewalGraceSeconds,
        long renewalMaxAgeSeconds) {

    public AuthSettings {
        apiKeys = apiKeys == null ? List.of() : List.copyOf(apiKeys);
        signingKeys = signingKeys == null ? Map.of() : signingKeys;
        signingKeys.forEach((id, key) -> ConfigException.check(key != null && !key.isBlank(), "signing_keys." + id,
                "is empty; give base64 of 32+ random bytes"));
        signingKeys = Map.copyOf(signingKeys);
        ConfigException.check(!signingKeys.isEmpty(), "signing_keys", "must hold at least one key (base64, 32+ bytes)");
        ConfigException.check(
                activeSigningKey != null && signingKeys.containsKey(activeSigningKey),
                "active_signing_key",
                "must name one of signing_keys " + signingKeys.keySet());
        ConfigException.check(tokenTtlSeconds >= 60, "token_ttl_seconds", "must be at least 60");
        ConfigException.check(renewalGraceSeconds >= 0, "renewal_grace_seconds", "must not be negative");
        ConfigException.check(renewalMaxAgeSeconds >= tokenTtlSeconds, "renewal_max_age_seconds",
                "must be at least token_ttl_seconds (" + tokenTtlSeconds + ")");
    }

    /** One API key: its owner id (what topics and logs carry) and the SHA-256 hex digest of the key. */
    public record ApiKeyEntry(String id, String sha256) {
        public ApiKeyEntry {
            ConfigException.check(id != null && id.matches("[A-Za-z0-9_.-]{1,64}"), "id", "must be 1-64 of [A-Za-z0-9_.-]");
            ConfigException.check(
                    sha256 != null && sha256.matches("[0-9a-f]{64}"), "sha256", "must be a lower-case SHA-256 hex digest");
        }
    }
}
