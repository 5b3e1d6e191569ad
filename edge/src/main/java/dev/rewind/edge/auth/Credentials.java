package dev.rewind.edge.auth;

import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.http.Method;
import io.helidon.webserver.http.ServerRequest;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a request carries its secret: the {@code Authorization: Bearer} header always; for a GET
 * (or HEAD) of a session's stream ({@code …/events}, {@code …/ws}, the Durable Streams
 * {@code …/stream[/{dialect}]}) only, a read token may also come as
 * {@code ?access_token=} or in the cookie {@code rewind_token_<session id>}, because EventSource
 * and browser WebSockets cannot set headers. Everything else (every POST above all) needs the
 * header, so there is no CSRF surface and tokens stay out of URLs wherever they can.
 */
public final class Credentials {

    /** A session's Durable Stream, in any dialect: {@code /v1/sessions/{id}/stream[/{dialect}]}. */
    private static final Pattern DURABLE_STREAM = Pattern.compile(".*/sessions/[^/]+/stream(/[^/]+)?");

    /** The cookie that may carry a session's read token on GET: this prefix plus the session id. */
    public static final String COOKIE_PREFIX = "rewind_token_";

    private Credentials() {}

    public static Optional<String> bearer(ServerRequest req) {
        return bearer(req.headers());
    }

    private static Optional<String> bearer(Headers headers) {
        return headers.first(HeaderNames.AUTHORIZATION)
                .filter(value -> value.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(value -> value.substring(7).strip())
                .filter(value -> !value.isEmpty());
    }

    /** The header first; on a GET of a stream then the query parameter, then the session's cookie. */
    public static Optional<String> readToken(ServerRequest req) {
        return readToken(req.prologue(), req.headers(), req.path().pathParameters().first("id").asOptional());
    }

    /**
     * The same for a request seen before routing (a WebSocket upgrade): its prologue, its headers and
     * the session id its path names.
     */
    public static Optional<String> readToken(HttpPrologue prologue, Headers headers, Optional<String> sessionId) {
        Optional<String> header = bearer(headers);
        if (header.isPresent() || !isStreamGet(prologue)) {
            return header;
        }
        Optional<String> query = prologue.query().first("access_token").asOptional().filter(value -> !value.isBlank());
        if (query.isPresent()) {
            return query;
        }
        ServerRequestHeaders requestHeaders = headers instanceof ServerRequestHeaders known ? known : ServerRequestHeaders.create(headers);
        return sessionId.flatMap(id -> requestHeaders.cookies().first(COOKIE_PREFIX + id).asOptional())
                .map(String::strip)
                .filter(value -> !value.isEmpty());
    }

    private static boolean isStreamGet(HttpPrologue prologue) {
        String path = prologue.uriPath().path();
        boolean read = prologue.method().equals(Method.GET) || prologue.method().equals(Method.HEAD);
        return read && (path.endsWith("/events") || path.endsWith("/ws") || DURABLE_STREAM.matcher(path).matches());
    }

    /** Read tokens have a fixed prefix, so a bearer value is told apart from an API key without trying both. */
    public static boolean looksLikeReadToken(String secret) {
        return secret.startsWith("rt1.");
    }
}
