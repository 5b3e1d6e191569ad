package dev.rewind.sim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.protocol.Json;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;

/** Counts attempts per identical request body (a retry sends the same body), remembering a bounded number. */
final class AttemptCounter {

    private final int capacity;
    private final LinkedHashMap<String, Integer> counts = new LinkedHashMap<>(16, 0.75f, true);

    AttemptCounter(int capacity) {
        this.capacity = capacity;
    }

    /** This request's attempt number, from 1. */
    synchronized int next(JsonNode body) {
        String key = digest(body);
        int attempt = counts.merge(key, 1, Integer::sum);
        while (counts.size() > capacity) {
            counts.remove(counts.keySet().iterator().next());
        }
        return attempt;
    }

    private static String digest(JsonNode body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Json.toBytes(body)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }
}
