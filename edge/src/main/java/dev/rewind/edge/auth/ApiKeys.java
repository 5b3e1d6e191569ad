package dev.rewind.edge.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** Checks API keys against their configured SHA-256 digests; answers with the owner id, never the key. */
public final class ApiKeys {

    private final List<AuthSettings.ApiKeyEntry> entries;

    public ApiKeys(List<AuthSettings.ApiKeyEntry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** The owner id of {@code key}, if it is a configured key. */
    public Optional<String> ownerOf(String key) {
        if (key == null || key.isEmpty() || key.length() > 512) {
            return Optional.empty();
        }
        byte[] digest = sha256(key);
        for (AuthSettings.ApiKeyEntry entry : entries) {
            // constant-time comparison of digests, so timing says nothing about how close a guess was
            if (MessageDigest.isEqual(digest, HexFormat.of().parseHex(entry.sha256()))) {
                return Optional.of(entry.id());
            }
        }
        return Optional.empty();
    }

    /** The digest to put in config for a key: {@code sha256} as lower-case hex. */
    public static String digestOf(String key) {
        return HexFormat.of().formatHex(sha256(key));
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }
}
