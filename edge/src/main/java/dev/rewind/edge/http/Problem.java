package dev.rewind.edge.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/** RFC 9457 problem details: every error the edge answers is {@code application/problem+json}. */
public final class Problem {

    public static final String CONTENT_TYPE = "application/problem+json";

    private Problem() {}

    public static void send(ServerResponse res, int status, String title, String detail) {
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, CONTENT_TYPE);
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(body(status, title, detail));
    }

    public static void send(ServerResponse res, ProblemException problem) {
        problem.headers().forEach(res::header);
        send(res, problem.status(), titleOf(problem.status()), problem.getMessage());
    }

    /** The problem document itself, for answers written outside routing (transport errors). */
    public static byte[] body(int status, String title, String detail) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("type", "about:blank");
        body.put("status", status);
        body.put("title", title);
        body.put("detail", detail);
        return Json.toBytes(body);
    }

    /** The standard reason phrase of {@code status}, the RFC 9457 title of an {@code about:blank} problem. */
    public static String titleOf(int status) {
        return switch (status) {
            case 413 -> "Content Too Large"; // RFC 9110's name; Helidon still says "Request Entity Too Large"
            case 422 -> "Unprocessable Content";
            default -> Status.create(status).reasonPhrase();
        };
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
