package dev.rewind.edge.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.http.ProblemException;
import dev.rewind.edge.session.SessionCreation;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.RequestRecord.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A Chat Completions request body: {@code model} (optionally {@code upstream/model}),
 * {@code messages}, {@code stream}, {@code stream_options}, and the generation parameters, which
 * become the session's {@code params} as sent. Fields Chat Completions does not define are refused.
 */
record CompletionRequest(SessionCreation.Request session, String model, boolean stream, boolean includeUsage) {

    /** Chat Completions' request fields that travel to the upstream as params. */
    private static final Set<String> PARAMS = Set.of("temperature", "top_p", "max_tokens", "max_completion_tokens", "tools",
            "tool_choice", "parallel_tool_calls", "stop", "n", "presence_penalty", "frequency_penalty", "logit_bias",
            "logprobs", "top_logprobs", "seed", "user", "response_format", "reasoning_effort", "metadata", "store",
            "service_tier", "modalities", "prediction", "audio", "web_search_options", "verbosity", "prompt_cache_key",
            "safety_identifier", "functions", "function_call");
    private static final Set<String> OWN = Set.of("model", "messages", "stream", "stream_options", "conversation_id");

    /** Reads {@code body}; {@code model} names a configured upstream before its first '/', else the default upstream. */
    static CompletionRequest of(JsonNode body, EdgeConfig config) {
        if (body == null || !body.isObject()) {
            throw ProblemException.badRequest("the body must be a JSON object in Chat Completions shape");
        }
        ObjectNode params = Json.MAPPER.createObjectNode();
        for (var field : body.properties()) {
            String name = field.getKey();
            if (PARAMS.contains(name)) {
                if (!field.getValue().isNull()) {
                    params.set(name, field.getValue());
                }
            } else if (!OWN.contains(name)) {
                throw new ParamException(name, "unknown parameter '" + name + "'");
            }
        }
        JsonNode model = body.get("model");
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            throw new ParamException("model", "'model' is required");
        }
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            throw new ParamException("stream", "'stream' must be true or false");
        }
        JsonNode options = body.get("stream_options");
        boolean includeUsage = options != null && options.path("include_usage").asBoolean(false);
        JsonNode conversation = body.get("conversation_id");
        if (conversation != null && !conversation.isNull() && !conversation.isTextual()) {
            throw new ParamException("conversation_id", "'conversation_id' must be a string");
        }
        return new CompletionRequest(CompatRequests.session(config, model.asText(), messages(body.get("messages")), params,
                        conversation == null || conversation.isNull() ? null : conversation.asText()),
                model.asText(), stream != null && stream.asBoolean(false), includeUsage);
    }

    private static List<ChatMessage> messages(JsonNode messages) {
        if (messages == null || messages.isNull()) {
            return null;
        }
        if (!messages.isArray()) {
            throw new ParamException("messages", "'messages' must be an array");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            if (!message.isObject() || !message.path("role").isTextual()) {
                throw new ParamException("messages[" + i + "].role", "messages[" + i + "] must be an object with a role");
            }
            try {
                out.add(Json.MAPPER.convertValue(message, ChatMessage.class));
            } catch (IllegalArgumentException e) {
                throw new ParamException("messages[" + i + "]", "messages[" + i + "] is not a Chat Completions message");
            }
        }
        return out;
    }

    /** A 400 that names the offending parameter, as OpenAI's {@code param}. */
    static final class ParamException extends RuntimeException {
        private final String param;

        ParamException(String param, String message) {
            super(message, null, false, false);
            this.param = param;
        }

        String param() {
            return param;
        }
    }
}
