package dev.rewind.processor.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.processor.sse.SseEvent;
import dev.rewind.protocol.DeadLetter;
import dev.rewind.protocol.Json;
import java.util.Optional;
import java.util.function.Consumer;

/** Reading providers' JSON events: malformed ones become {@link Extracted.Malformed}, never exceptions. */
final class ProviderJson {

    private ProviderJson() {}

    /** The event's data as a JSON object, or null after reporting why it is not one. */
    /** The whole non-negative number at {@code pointer} in a usage object, or null when it is absent or not one. */
    static Long tokenCount(JsonNode usage, String pointer) {
        JsonNode count = usage.at(pointer);
        return count.canConvertToExactIntegral() && count.asLong() >= 0 ? count.asLong() : null;
    }

    /**
     * OpenAI's usage shape under either API's names: the input and output counts, and their
     * {@code <input>_details.cached_tokens} and {@code <output>_details.reasoning_tokens}.
     */
    static dev.rewind.protocol.usage.TokenUsage openAiUsage(JsonNode usage, String input, String output) {
        return dev.rewind.protocol.usage.TokenUsage.reported(tokenCount(usage, "/" + input), tokenCount(usage, "/" + output),
                tokenCount(usage, "/" + output + "_details/reasoning_tokens"),
                tokenCount(usage, "/" + input + "_details/cached_tokens"));
    }

    /** The sum of the counts that are present; null when none is. */
    static Long sumOfPresent(Long... counts) {
        Long sum = null;
        for (Long count : counts) {
            sum = count == null ? sum : sum == null ? count : Long.valueOf(sum + count);
        }
        return sum;
    }

    static JsonNode object(SseEvent event, Consumer<Extracted> out) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(event.data());
        } catch (JsonProcessingException e) {
            out.accept(new Extracted.Malformed("not-json", excerpt(event.data())));
            return null;
        }
        if (node == null || !node.isObject()) {
            out.accept(new Extracted.Malformed("not-an-object", excerpt(event.data())));
            return null;
        }
        return node;
    }

    /**
     * The entries of a chunk's {@code choices} / {@code candidates} array (none when absent), or null
     * after reporting the chunk as malformed when it is not an array or an entry has the wrong shape:
     * a chunk is used whole or not at all.
     */
    static JsonNode entries(JsonNode array, String field, java.util.function.Predicate<JsonNode> wellShaped, SseEvent event,
            Consumer<Extracted> out) {
        if (array.isMissingNode() || array.isNull()) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
        if (!array.isArray()) {
            out.accept(new Extracted.Malformed(field + "-not-an-array", excerpt(event.data())));
            return null;
        }
        for (JsonNode entry : array) { // a loop, not a stream: this runs for every event
            if (!entry.isObject() || !wellShaped.test(entry)) {
                out.accept(new Extracted.Malformed("wrong-shape", excerpt(event.data())));
                return null;
            }
        }
        return array;
    }

    /** Absent or null, or an object whose {@code field} is absent, null or an array of objects. */
    static boolean absentOrObjectWithArrayOfObjects(JsonNode node, String field) {
        return node.isMissingNode() || node.isNull() || node.isObject() && absentOrArrayOfObjects(node.path(field));
    }

    /** Absent, null, or an array of objects. */
    static boolean absentOrArrayOfObjects(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return true;
        }
        if (!node.isArray()) {
            return false;
        }
        for (JsonNode entry : node) {
            if (!entry.isObject()) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code text} with every unpaired surrogate (a JSON {@code \\ud83d} escape without its other
     * half) replaced by U+FFFD. Needed where a provider's string becomes a field name in the stored
     * state: Jackson reads such a string as a value but refuses it as a name, so the state could not
     * be read back.
     */
    static String wellFormed(String text) {
        StringBuilder fixed = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
            if (paired) {
                if (fixed != null) {
                    fixed.append(c).append(text.charAt(i + 1));
                }
                i++;
                continue;
            }
            boolean lone = Character.isSurrogate(c);
            if (lone && fixed == null) {
                fixed = new StringBuilder(text.length()).append(text, 0, i);
            }
            if (fixed != null) {
                fixed.append(lone ? '\uFFFD' : c);
            }
        }
        return fixed == null ? text : fixed.toString();
    }

    /** A non-empty string field. */
    static Optional<String> text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isTextual() && !value.asText().isEmpty() ? Optional.of(value.asText()) : Optional.empty();
    }

    /** The fragment's start; {@code DeadLetter} bounds it, without splitting a character. */
    static String excerpt(String data) {
        return data.length() <= DeadLetter.MAX_EXCERPT ? data : data.substring(0, DeadLetter.MAX_EXCERPT + 1);
    }
}
