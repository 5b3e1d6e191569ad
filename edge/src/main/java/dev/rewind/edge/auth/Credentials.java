package dev.rewind.edge.auth;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.util.Optional;

/** Where a request carries its secret: the {@code Authorization: Bearer} header, or for GET streams {@code ?access_token=}. */
public final class Credentials {

    private Credentials() {}

    public static Optional<String> bearer(ServerRequest req) {
        return req.headers().first(HeaderNames.AUTHORIZATION)
                .filter(value -> value.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(value -> value.substring(7).strip())
                .filter(value -> !value.isEmpty());
    }

    /** The header first, then the query parameter (EventSource cannot set headers). */
    public static Optional<String> readToken(ServerRequest req) {
        Optional<String> header = bearer(req);
        if (header.isPresent()) {
            return header;
        }
        return req.query().first("access_token").asOptional().filter(value -> !value.isBlank());
    }
}
