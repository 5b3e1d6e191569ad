package dev.rewind.sim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What the simulator answers to a request, decided before a byte is sent and computable without
 * HTTP: the same request (or the same {@code seed}) always gives the same tokens, so tests compare
 * what arrived with what was generated.
 */
public record SimulatedCompletion(
        String id, String model, List<String> tokens, String finishReason, int promptTokens, int completionTokens) {

    // Multi-byte words on purpose: consumers must carry characters split across reads.
    private static final String[] WORDS = {
        "stream", "token", "durable", "replay", "kafka", "offset", "session", "answer", "model", "byte",
        "café", "naïve", "Zürich", "façade", "über", "🙂", "日本", "résumé", "the", "a", "of", "and", "to",
        "every", "never", "again", "exactly", "once", "order", "partition", "reader", "writer", "event",
        "cursor", "gap", "resume", "audit", "window", "edge", "ingest", "chunk", "frame", "line", "json"
    };
    private static final int MIN_LENGTH = 20;
    private static final int MAX_LENGTH = 60;

    public SimulatedCompletion {
        tokens = List.copyOf(tokens);
    }

    /** Plans the answer to a Chat Completions request body. */
    public static SimulatedCompletion plan(JsonNode request) {
        long seed = request.hasNonNull("seed") ? request.get("seed").asLong() : stableHash(request);
        SplittableRandom random = new SplittableRandom(seed);
        int scripted = FaultScript.parse(request.path("model").asText(null)).length();
        int drawn = MIN_LENGTH + random.nextInt(MAX_LENGTH - MIN_LENGTH + 1);
        int natural = scripted > 0 ? scripted : drawn;
        int cap = maxTokens(request);
        int length = cap > 0 ? Math.min(natural, cap) : natural;
        List<String> tokens = new ArrayList<>(length);
        boolean sentenceStart = true;
        int sinceStop = 0;
        for (int i = 0; i < length; i++) {
            boolean stop = !sentenceStart && (i == natural - 1 || sinceStop >= 6 && random.nextInt(5) == 0);
            if (stop) {
                tokens.add(".");
                sentenceStart = true;
                sinceStop = 0;
                continue;
            }
            String word = WORDS[random.nextInt(WORDS.length)];
            word = sentenceStart ? capitalise(word) : word;
            tokens.add(i == 0 ? word : " " + word);
            sentenceStart = false;
            sinceStop++;
        }
        String finish = length < natural ? "length" : "stop";
        String model = FaultScript.baseModel(request.path("model").asText("sim"));
        return new SimulatedCompletion("chatcmpl-" + Long.toUnsignedString(seed, 36), model, tokens, finish,
                promptTokens(request), length);
    }

    public String text() {
        return String.join("", tokens);
    }

    private static int maxTokens(JsonNode request) {
        for (String field : new String[] {"max_completion_tokens", "max_output_tokens", "max_tokens"}) {
            if (request.hasNonNull(field)) {
                return request.get(field).asInt();
            }
        }
        return 0;
    }

    /** The conversation, whichever provider's field holds it. */
    private static JsonNode conversation(JsonNode request) {
        return request.has("messages") ? request.path("messages") : request.path("input");
    }

    /** A rough count in the spirit of a tokenizer: words of every message plus a few per message. */
    private static int promptTokens(JsonNode request) {
        int count = 0;
        for (JsonNode message : conversation(request)) {
            count += 3;
            String content = message.path("content").isTextual() ? message.path("content").asText() : message.path("content").toString();
            count += content.isBlank() ? 0 : content.strip().split("\\s+").length;
        }
        return count;
    }

    private static String capitalise(String word) {
        int first = word.offsetByCodePoints(0, 1);
        return word.substring(0, first).toUpperCase(java.util.Locale.ROOT) + word.substring(first);
    }

    private static long stableHash(JsonNode request) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(request.path("model").asText("").getBytes(StandardCharsets.UTF_8));
            sha.update(Json.toBytes(conversation(request)));
            return java.nio.ByteBuffer.wrap(sha.digest()).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }
}
