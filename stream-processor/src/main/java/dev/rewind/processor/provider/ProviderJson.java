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
