package dev.rewind.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;

/**
 * How each provider words an HTTP error body; the type or status name follows from the HTTP status
 * as the real API chooses it (e.g. 529 is Anthropic's {@code overloaded_error}, 503 Google's {@code UNAVAILABLE}).
 */
enum ErrorShape {
    /** {@code {"error": {message, type, param, code}}} (Chat Completions and Responses). */
    OPENAI,
    /** {@code {"type": "error", "error": {type, message}}}. */
    ANTHROPIC,
    /** {@code {"error": {code, message, status}}}. */
    GOOGLE,
    /** {@code {"error": "message"}}. */
    OLLAMA;

    /** The body for {@code status}; {@code code} is a machine-readable reason ({@code invalid_api_key}…) or null. */
    ObjectNode body(int status, String code, String message) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        String tagged = code == null ? message : code + ": " + message;
        switch (this) {
            case OPENAI -> {
                ObjectNode error = body.putObject("error").put("message", message).put("type", openAiType(status));
                error.putNull("param");
                error.put("code", code != null ? code : status == 429 ? "rate_limit_exceeded" : null);
            }
            case ANTHROPIC -> body.put("type", "error").putObject("error").put("type", anthropicType(status)).put("message", tagged);
            case GOOGLE -> body.putObject("error").put("code", status).put("message", tagged).put("status", googleStatus(status));
            case OLLAMA -> body.put("error", tagged);
        }
        return body;
    }

    private static String openAiType(int status) {
        return switch (status) {
            case 429 -> "requests";
            default -> status >= 500 ? "server_error" : "invalid_request_error";
        };
    }

    private static String anthropicType(int status) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 529 -> "overloaded_error";
            default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
    }

    private static String googleStatus(int status) {
        return switch (status) {
            case 400 -> "INVALID_ARGUMENT";
            case 401 -> "UNAUTHENTICATED";
            case 403 -> "PERMISSION_DENIED";
            case 404 -> "NOT_FOUND";
            case 409 -> "ABORTED";
            case 429 -> "RESOURCE_EXHAUSTED";
            case 501 -> "UNIMPLEMENTED";
            case 503, 529 -> "UNAVAILABLE";
            case 504 -> "DEADLINE_EXCEEDED";
            default -> status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
        };
    }
}
