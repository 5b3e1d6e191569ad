package dev.rewind.ingest.upstream;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.RequestRecord;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Translates an OpenAI-shaped start request into the upstream provider's own streaming request. */
public final class ProviderRequests {

    /** Keys of {@code params} that Rewind decides itself and never passes through. */
    private static final Set<String> RESERVED = Set.of("model", "messages", "stream", "stream_options", "n");

    private ProviderRequests() {}

    public static UpstreamRequest build(Upstream upstream, RequestRecord.Start start) {
        return switch (upstream.format()) {
            case OPENAI_CHAT -> openAiChat(upstream, start);
            case OPENAI_RESPONSES, ANTHROPIC, OLLAMA, GEMINI -> throw new IllegalArgumentException(
                    "provider format " + upstream.format().wireName() + " is not supported by this version of ingest");
        };
    }

    private static UpstreamRequest openAiChat(Upstream upstream, RequestRecord.Start start) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", start.model());
        body.set("messages", Json.MAPPER.valueToTree(start.messages()));
        if (start.params() != null) {
            start.params().fields().forEachRemaining(field -> {
                if (!RESERVED.contains(field.getKey())) {
                    body.set(field.getKey(), field.getValue());
                }
            });
        }
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);

        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", "text/event-stream");
        upstream.apiKey().ifPresent(key -> headers.put("Authorization", "Bearer " + key.reveal()));
        return new UpstreamRequest(upstream.baseUrl().resolve("chat/completions"), headers, Json.toBytes(body));
    }
}
