package dev.rewind.edge.session;

import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.edge.http.ProblemException;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.RequestRecord.ChatMessage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Idempotent creation without shared state: the session id of a keyed request is derived from the
 * owner and the key, so every edge instance, before and after restarts, names the same session
 * for a retry. A session id is not a secret (reading needs the owner's key or the read token), so
 * a plain SHA-256 with a domain prefix is enough, and no signing-key rotation can change the id.
 */
final class IdempotencyKeys {

    private static final Pattern FORMAT = Pattern.compile("[\\x21-\\x7E]{1,255}");
    private static final ObjectWriter CANONICAL = Json.MAPPER.writer().with(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private IdempotencyKeys() {}

    /** Checks the header value: 1-255 visible ASCII characters. */
    static String validated(String key) {
        if (!FORMAT.matcher(key).matches()) {
            throw ProblemException.badRequest("Idempotency-Key must be 1-255 visible ASCII characters");
        }
        return key;
    }

    static String sessionId(String owner, String key) {
        byte[] hash = sha256("rewind-idempotency-v1\u0000" + owner + "\u0000" + key);
        return "s_" + Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(hash, 16));
    }

    /** A digest of what the request asks for, independent of JSON field order and whitespace. */
    static byte[] requestDigest(String upstream, String model, List<ChatMessage> messages, ObjectNode params) {
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.put("upstream", upstream);
        request.put("model", model);
        request.set("messages", Json.MAPPER.valueToTree(messages));
        request.set("params", params == null ? Json.MAPPER.createObjectNode() : params);
        try {
            Object plain = Json.MAPPER.treeToValue(request, Map.class);
            return MessageDigest.getInstance("SHA-256").digest(CANONICAL.writeValueAsBytes(plain));
        } catch (java.io.IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot digest a session request", e);
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }

    static boolean sameRequest(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }
}
