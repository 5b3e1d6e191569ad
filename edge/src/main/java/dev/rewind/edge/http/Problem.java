package dev.rewind.edge.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/** RFC 9457 problem details: every error the edge answers is {@code application/problem+json}. */
public final class Problem {

    private Problem() {}

    public static void send(ServerResponse res, int status, String title, String detail) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("type", "about:blank");
        body.put("status", status);
        body.put("title", title);
        body.put("detail", detail);
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, "application/problem+json");
        res.send(Json.toBytes(body));
    }

    public static void badRequest(ServerResponse res, String detail) {
        send(res, 400, "Bad Request", detail);
    }

    public static void unauthorized(ServerResponse res, String detail) {
        res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
        send(res, 401, "Unauthorized", detail);
    }

    public static void forbidden(ServerResponse res, String detail) {
        send(res, 403, "Forbidden", detail);
    }

    public static void notFound(ServerResponse res, String detail) {
        send(res, 404, "Not Found", detail);
    }
}
