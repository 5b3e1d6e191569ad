package dev.rewind.edge.session;

import com.fasterxml.jackson.databind.DeserializationFeature;
import dev.rewind.edge.http.ProblemException;
import dev.rewind.protocol.Json;
import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.util.Optional;

/** Reading a JSON request body strictly: anything unreadable is a 400 that says what is wrong, never a 500. */
final class Bodies {

    private Bodies() {}

    /** The body as {@code type}, unknown fields refused; empty when there is none. */
    static <T> Optional<T> read(ServerRequest req, Class<T> type, String what) {
        if (!req.content().hasEntity()) {
            return Optional.empty();
        }
        try {
            T body = Json.MAPPER.readerFor(type).with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .readValue(req.content().inputStream());
            return Optional.ofNullable(body);
        } catch (IOException e) {
            throw ProblemException.badRequest("the body is not a valid " + what + ": " + firstLine(e.getMessage()));
        }
    }

    /** Jackson's message without its source excerpt, bounded: it names the field without echoing the body. */
    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        String line = nl < 0 ? message : message.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) : line;
    }
}
