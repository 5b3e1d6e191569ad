package dev.rewind.sim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.protocol.Json;
import java.nio.charset.StandardCharsets;

/** Server-sent event bytes as the providers write them: LF line endings, except Gemini's CRLF. */
final class Sse {

    static final byte[] PING_COMMENT = ": ping\n\n".getBytes(StandardCharsets.US_ASCII);

    private Sse() {}

    /** {@code event: NAME} and {@code data: JSON}, as Anthropic and Responses send every event. */
    static byte[] event(String name, JsonNode data) {
        return utf8("event: " + name + "\ndata: " + Json.toString(data) + "\n\n");
    }

    /** {@code data: JSON} alone, as Chat Completions sends its chunks. */
    static byte[] data(JsonNode data) {
        return utf8("data: " + Json.toString(data) + "\n\n");
    }

    /** {@code data: JSON} with CRLF line endings, as Gemini sends it. */
    static byte[] dataCrlf(JsonNode data) {
        return utf8("data: " + Json.toString(data) + "\r\n\r\n");
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
