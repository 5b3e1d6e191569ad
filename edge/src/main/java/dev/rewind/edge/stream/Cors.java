package dev.rewind.edge.stream;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.List;
import java.util.Set;

/**
 * CORS for the stream endpoints, from the {@code http.cors_origins} allow-list ({@code "*"} allows
 * any origin). Credentials travel as a bearer header or {@code access_token}, never as cookies, so
 * no {@code Allow-Credentials} is sent.
 */
public final class Cors {

    private static final String ALLOWED_HEADERS = "Authorization, Last-Event-ID, Content-Type";

    private final Set<String> origins;
    private final boolean any;

    public Cors(List<String> origins) {
        this.origins = Set.copyOf(origins);
        this.any = origins.contains("*");
    }

    public boolean allows(String origin) {
        return origin != null && (any || origins.contains(origin));
    }

    /** Adds the CORS headers when the request's origin is allowed. */
    public void apply(ServerRequest req, ServerResponse res) {
        req.headers().first(HeaderNames.ORIGIN).filter(this::allows).ifPresent(origin -> {
            res.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, any ? "*" : origin);
            if (!any) {
                res.header(HeaderNames.VARY, "Origin");
            }
        });
    }

    /** Answers a preflight: 204 with the allowed method and headers, or 403 for an origin not on the list. */
    public void preflight(ServerRequest req, ServerResponse res) {
        preflight(req, res, "GET, OPTIONS", ALLOWED_HEADERS);
    }

    /** As {@link #preflight(ServerRequest, ServerResponse)}, for an endpoint with its own methods and request headers. */
    public void preflight(ServerRequest req, ServerResponse res, String methods, String headers) {
        String origin = req.headers().first(HeaderNames.ORIGIN).orElse(null);
        if (!allows(origin)) {
            res.status(Status.FORBIDDEN_403).send();
            return;
        }
        apply(req, res);
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_METHODS, methods);
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, headers);
        res.header(HeaderNames.ACCESS_CONTROL_MAX_AGE, "600");
        res.status(Status.NO_CONTENT_204).send();
    }
}
