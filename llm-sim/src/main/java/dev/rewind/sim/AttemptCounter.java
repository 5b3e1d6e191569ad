package dev.rewind.sim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;

/** Counts attempts per identical request (path and body) (a retry sends the same body), remembering a bounded number. */
final class AttemptCounter {

    private final int capacity;
    private final LinkedHashMap<String, Integer> counts = new LinkedHashMap<>(16, 0.75f, true);

    AttemptCounter(int capacity) {
        this.capacity = capacity;
    }

    /** This request's attempt number, from 1. */
    synchronized int next(String path, JsonNode body) {
        String key = digest(path, body);
        int attempt = counts.merge(key, 1, Integer::sum);
        while (counts.size() > capacity) {
            counts.remove(counts.keySet().iterator().next());
        }
        return attempt;
    }

    /** The path counts too: Gemini names the model (and its fault script) in the path, not the body. */
    private static String digest(String path, JsonNode body) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(path.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(Json.toBytes(body)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }
}
