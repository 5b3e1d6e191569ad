package dev.rewind.edge.compat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.edge.http.ProblemException;
import dev.rewind.protocol.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/**
 * OpenAI's error shape, {@code {"error": {message, type, param, code}}}: the one place where the
 * edge does not answer RFC 9457, because OpenAI SDKs parse this shape into their own exceptions.
 */
final class OpenAiErrors {

    private OpenAiErrors() {}

    /** The error object OpenAI sends, also as an in-stream event. */
    static ObjectNode body(String message, String type, String param, String code) {
        ObjectNode error = Json.MAPPER.createObjectNode();
        ObjectNode inner = error.putObject("error");
        inner.put("message", message);
        inner.put("type", type);
        inner.put("param", param);
        inner.put("code", code);
        return error;
    }

    /** A refusal before any stream: the problem's status and headers, OpenAI's body. */
    static void send(ServerResponse res, ProblemException problem) {
        problem.headers().forEach(res::header);
        send(res, problem.status(), problem.getMessage(), null);
    }

    static void send(ServerResponse res, int status, String message, String code) {
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(Json.toBytes(body(message, typeOf(status), null, code == null ? codeOf(status) : code)));
    }

    /** OpenAI's error types by status. */
    static String typeOf(int status) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 409 -> "conflict_error";
            case 429 -> "rate_limit_error";
            default -> status >= 500 ? "server_error" : "invalid_request_error";
        };
    }

    private static String codeOf(int status) {
        return switch (status) {
            case 401 -> "invalid_api_key";
            case 413 -> "request_too_large";
            case 422 -> "idempotency_key_mismatch";
            case 429 -> "rate_limit_exceeded";
            case 503 -> "service_unavailable";
            case 504 -> "timeout";
            default -> null;
        };
    }
}
