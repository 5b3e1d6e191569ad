package dev.rewind.edge.http;

import java.util.Map;

/**
 * A refusal a handler throws from any depth: rendered as RFC 9457 problem JSON by
 * {@link ProblemHandlers}, so handlers read top to bottom instead of returning early at each check.
 * {@code detail} is shown to the client: it never carries a key, a token or a stack trace.
 */
public final class ProblemException extends RuntimeException {

    private final int status;
    private final Map<String, String> headers;

    public ProblemException(int status, String detail) {
        this(status, detail, Map.of());
    }

    public ProblemException(int status, String detail, Map<String, String> headers) {
        super(detail, null, false, false);
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    public int status() {
        return status;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public static ProblemException badRequest(String detail) {
        return new ProblemException(400, detail);
    }

    public static ProblemException unauthorized(String detail) {
        return new ProblemException(401, detail, Map.of("WWW-Authenticate", "Bearer"));
    }

    public static ProblemException forbidden(String detail) {
        return new ProblemException(403, detail);
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(404, detail);
    }

    public static ProblemException unavailable(String detail, int retryAfterSeconds) {
        return new ProblemException(503, detail, Map.of("Retry-After", Integer.toString(retryAfterSeconds)));
    }
}
