package dev.rewind.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;

/**
 * A provider's wire format: how a planned completion is streamed, how its errors, malformed bytes
 * and keep-alives look, and which request fields it requires.
 */
sealed interface StreamFormat permits ChatCompletionsFormat, AnthropicFormat, ResponsesFormat, OllamaFormat, GeminiFormat {

    /** Server-sent events unless the format says otherwise. */
    default String contentType() {
        return "text/event-stream; charset=utf-8";
    }

    List<StreamFrame> stream(SimulatedCompletion plan, StreamContext context);

    /** The bytes of an error reported inside a 200 stream (overload), after which the stream ends unterminated. */
    byte[] inBandError();

    /** Bytes that look like this format's next event but do not parse. */
    byte[] malformed();

    /** A keep-alive the format allows between events (an SSE comment unless the format says otherwise); empty when it has none. */
    default byte[] keepAlive() {
        return Sse.PING_COMMENT;
    }

    /** OpenAI's error body unless the format says otherwise. */
    default ErrorShape errorShape() {
        return ErrorShape.OPENAI;
    }

    /** What the request lacks for the real API to accept it, or empty. */
    Optional<String> problemWith(JsonNode body, RequestHeaders headers);

    /** Whether a request without a {@code stream} field streams (Ollama's default). */
    default boolean streamsByDefault() {
        return false;
    }

    /** The whole answer as one JSON body, for APIs the simulator also answers without streaming. */
    default Optional<JsonNode> complete(SimulatedCompletion plan, StreamContext context) {
        return Optional.empty();
    }

    /** A request header lookup, so formats check headers without depending on the server's types. */
    @FunctionalInterface
    interface RequestHeaders {
        Optional<String> first(String name);
    }
}
