package dev.rewind.edge.session;

import dev.rewind.edge.http.ProblemException;
import io.helidon.webserver.http.ServerRequest;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Set;

/** The query parameters of the paged lists ({@code since}, {@code limit}, {@code cursor}), each refused with a 400 naming it. */
final class PageParameters {

    private PageParameters() {}

    /** Refuses a parameter not in {@code known}, so a typo is not silently ignored. */
    static void onlyKnown(ServerRequest req, Set<String> known) {
        for (String name : req.query().names()) {
            if (!known.contains(name)) {
                throw ProblemException.badRequest("unknown query parameter '" + name + "'; known: " + known);
            }
        }
    }

    /** {@code since} as an ISO-8601 instant, or null when absent. */
    static Instant since(ServerRequest req) {
        Optional<String> since = req.query().first("since").asOptional().filter(s -> !s.isEmpty());
        try {
            return since.map(Instant::parse).orElse(null);
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest("'since' must be an ISO-8601 instant such as 2026-12-01T00:00:00Z");
        }
    }

    /** {@code limit} in 1..{@code max}, {@code defaultLimit} when absent. */
    static int limit(ServerRequest req, int defaultLimit, int max) {
        Optional<String> limit = req.query().first("limit").asOptional();
        if (limit.isEmpty()) {
            return defaultLimit;
        }
        try {
            int n = Integer.parseInt(limit.get());
            if (n >= 1 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw ProblemException.badRequest("'limit' must be 1.." + max);
    }

    /** The opaque {@code cursor} a previous page returned, or null. */
    static String cursor(ServerRequest req) {
        return req.query().first("cursor").asOptional().filter(c -> !c.isEmpty()).orElse(null);
    }
}
