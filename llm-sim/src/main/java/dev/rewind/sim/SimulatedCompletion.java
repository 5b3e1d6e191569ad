package dev.rewind.sim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.protocol.Json;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What the simulator answers to a request, decided before a byte is sent and computable without
 * HTTP: the same request (or the same {@code seed}) always gives the same reasoning, text and tool
 * calls, so tests compare what arrived with what was planned. {@code finishReason} is in OpenAI's
 * words ({@code stop}, {@code length}, {@code tool_calls}); each format says it in its own.
 * {@code completionTokens} counts reasoning tokens, text tokens and tool-call argument fragments.
 */
public record SimulatedCompletion(
        String id,
        String model,
        List<String> tokens,
        String finishReason,
        int promptTokens,
        int completionTokens,
        List<String> reasoning,
        List<SimulatedToolCall> toolCalls) {

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
        reasoning = List.copyOf(reasoning);
        toolCalls = List.copyOf(toolCalls);
    }

    /** Plans the answer to a request body that names its model in {@code model} (all formats but Gemini). */
    public static SimulatedCompletion plan(JsonNode request) {
        return plan(request.path("model").asText(null), request);
    }

    /**
     * Plans the answer to a request body for {@code model} (with its fault script), which Gemini
     * carries in the URL path rather than the body.
     */
    public static SimulatedCompletion plan(String model, JsonNode request) {
        long seed = seed(request).orElseGet(() -> stableHash(model, request));
        SplittableRandom random = new SplittableRandom(seed);
        FaultScript script = FaultScript.parse(model);
        int drawn = MIN_LENGTH + random.nextInt(MAX_LENGTH - MIN_LENGTH + 1);
        List<SimulatedToolCall> calls = script.toolCalls() > 0 ? ToolCallPlanner.plan(request, script.toolCalls(), seed) : List.of();
        // A tool-calling answer has text only when length=N asks for it, as models mostly call without a preamble.
        int natural = script.length() > 0 ? script.length() : calls.isEmpty() ? drawn : 0;
        int cap = maxTokens(request);
        int thinking = cap > 0 ? Math.min(script.reasoningTokens(), cap) : script.reasoningTokens();
        int length = cap > 0 ? Math.max(0, Math.min(natural, cap - thinking)) : natural;
        boolean cut = length < natural || thinking < script.reasoningTokens();
        List<String> tokens = words(random, length, natural);
        if (script.stamp()) {
            tokens = tokens.stream().map(token -> token + EmitStamp.PLACEHOLDER).toList();
        }
        List<String> reasoning = words(new SplittableRandom(seed ^ 0x5bd1e995L), thinking, script.reasoningTokens());
        List<SimulatedToolCall> toolCalls = cut ? List.of() : calls;
        String finish = cut ? "length" : toolCalls.isEmpty() ? "stop" : "tool_calls";
        int fragments = toolCalls.stream().mapToInt(call -> call.argumentFragments().size()).sum();
        String base = FaultScript.baseModel(model == null ? "sim" : model);
        return new SimulatedCompletion("chatcmpl-" + Long.toUnsignedString(seed, 36), base, tokens, finish,
                promptTokens(request), thinking + length + fragments, reasoning, toolCalls);
    }

    public String text() {
        return String.join("", tokens);
    }

    public String reasoningText() {
        return String.join("", reasoning);
    }

    /** {@code length} words of a text whose natural end (its last full stop) is at {@code natural}. */
    private static List<String> words(SplittableRandom random, int length, int natural) {
        List<String> words = new ArrayList<>(length);
        boolean sentenceStart = true;
        int sinceStop = 0;
        for (int i = 0; i < length; i++) {
            boolean stop = !sentenceStart && (i == natural - 1 || sinceStop >= 6 && random.nextInt(5) == 0);
            if (stop) {
                words.add(".");
                sentenceStart = true;
                sinceStop = 0;
                continue;
            }
            String word = WORDS[random.nextInt(WORDS.length)];
            word = sentenceStart ? capitalise(word) : word;
            words.add(i == 0 ? word : " " + word);
            sentenceStart = false;
            sinceStop++;
        }
        return words;
    }

    private static java.util.Optional<Long> seed(JsonNode request) {
        for (String pointer : new String[] {"/seed", "/options/seed", "/generationConfig/seed"}) {
            if (request.at(pointer).isIntegralNumber()) {
                return java.util.Optional.of(request.at(pointer).asLong());
            }
        }
        return java.util.Optional.empty();
    }

    /** The answer-length cap, whichever provider's field holds it (Ollama's -1 means none). */
    private static int maxTokens(JsonNode request) {
        for (String pointer : new String[] {"/max_completion_tokens", "/max_output_tokens", "/max_tokens",
                "/options/num_predict", "/generationConfig/maxOutputTokens"}) {
            if (request.at(pointer).isNumber()) {
                return Math.max(0, request.at(pointer).asInt());
            }
        }
        return 0;
    }

    /** The conversation, whichever provider's field holds it. */
    private static JsonNode conversation(JsonNode request) {
        return request.has("messages") ? request.path("messages") : request.has("input") ? request.path("input") : request.path("contents");
    }

    /** A rough count in the spirit of a tokenizer: words of every message plus a few per message. */
    private static int promptTokens(JsonNode request) {
        int count = 0;
        JsonNode conversation = conversation(request);
        for (JsonNode message : conversation.isArray() ? conversation : List.of(conversation)) {
            count += 3;
            String content = message.isTextual() ? message.asText() : text(message.has("parts") ? message.get("parts") : message.path("content"));
            count += content.isBlank() ? 0 : content.strip().split("\\s+").length;
        }
        return count;
    }

    /** Text of a content field: a string, or the {@code text} of its parts. */
    private static String text(JsonNode content) {
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        content.forEach(part -> text.append(part.path("text").asText("")).append(' '));
        return text.toString();
    }

    private static String capitalise(String word) {
        int first = word.offsetByCodePoints(0, 1);
        return word.substring(0, first).toUpperCase(Locale.ROOT) + word.substring(first);
    }

    private static long stableHash(String model, JsonNode request) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((model == null ? "" : model).getBytes(StandardCharsets.UTF_8));
            sha.update(Json.toBytes(conversation(request)));
            return ByteBuffer.wrap(sha.digest()).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }
}
