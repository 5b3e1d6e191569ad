package dev.rewind.edge.analytics;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.ops.ReaderFaults;
import io.micrometer.core.instrument.MeterRegistry;
import dev.rewind.edge.auth.SessionAuth;
import dev.rewind.edge.http.ProblemException;
import dev.rewind.protocol.AnalyticsRecord;
import dev.rewind.protocol.Json;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Set;

/**
 * {@code GET /v1/analytics?upstream=&model=&since=}: the one-minute windows and running totals of
 * {@code rewind.analytics} per upstream and model, from this edge's in-memory view. Operational
 * data: any API key may read it, unless {@code analytics.reader_keys} names the key ids that may.
 */
public final class AnalyticsService implements HttpService, AutoCloseable {

    private static final Set<String> PARAMETERS = Set.of("upstream", "model", "since");
    private static final int MAX_NAME_CHARS = 256;

    private final AnalyticsSettings settings;
    private final SessionAuth auth;
    private final Clock clock;
    private final AnalyticsView view;
    private final AnalyticsFeed feed;

    private AnalyticsService(AnalyticsSettings settings, SessionAuth auth, Clock clock, AnalyticsView view, AnalyticsFeed feed) {
        this.settings = settings;
        this.auth = auth;
        this.clock = clock;
        this.view = view;
        this.feed = feed;
    }

    /** The service, with its view fed in the background when {@code analytics.enabled} (else every request is 404). */
    public static AnalyticsService start(EdgeConfig config, SessionAuth auth, Clock clock, MeterRegistry meters) {
        AnalyticsSettings settings = config.analytics();
        if (!settings.enabled()) {
            return new AnalyticsService(settings, auth, clock, null, null);
        }
        AnalyticsView view = new AnalyticsView(settings.horizonMs(), settings.maxSeries());
        AnalyticsFeed feed = AnalyticsFeed.start(config.kafka().clientConfig(AnalyticsFeed.consumerDefaults()), view, clock,
                ReaderFaults.of(config, meters));
        return new AnalyticsService(settings, auth, clock, view, feed);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::analytics);
    }

    private void analytics(ServerRequest req, ServerResponse res) {
        String owner = auth.owner(req);
        if (!settings.readerKeys().isEmpty() && !settings.readerKeys().contains(owner)) {
            throw ProblemException.forbidden("this API key may not read analytics (analytics.reader_keys)");
        }
        if (view == null) {
            throw ProblemException.notFound("analytics are turned off on this edge (analytics.enabled)");
        }
        for (String name : req.query().names()) {
            if (!PARAMETERS.contains(name)) {
                throw ProblemException.badRequest("unknown query parameter '" + name + "'; known: " + PARAMETERS);
            }
        }
        Instant now = clock.instant();
        Instant oldest = now.minusMillis(settings.horizonMs());
        Instant since = parameter(req, "since").map(AnalyticsService::since).orElse(now.minusMillis(settings.defaultRangeMs()));
        if (since.isBefore(oldest)) {
            since = oldest; // nothing older is kept
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("since", since.toString());
        body.put("now", now.toString());
        body.put("horizon_ms", settings.horizonMs());
        body.put("caught_up", feed.caughtUp());
        body.put("evicted_series", view.evicted());
        ArrayNode series = body.putArray("series");
        for (AnalyticsView.SeriesView one : view.select(name(req, "upstream"), name(req, "model"), since)) {
            ObjectNode entry = series.addObject();
            entry.put("upstream", one.series().upstream());
            entry.put("model", one.series().model());
            entry.put("updated_at", one.updatedAt().toString());
            if (one.total() == null) {
                entry.putNull("total");
            } else {
                entry.putObject("total").set("stats", Json.MAPPER.valueToTree(one.total().stats()));
            }
            ArrayNode windows = entry.putArray("windows");
            for (AnalyticsRecord.Window window : one.windows()) {
                ObjectNode node = Json.MAPPER.valueToTree(window);
                node.remove("type");
                node.remove("upstream");
                node.remove("model");
                windows.add(node);
            }
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(Json.toBytes(body));
    }

    /** A parameter's value; empty ({@code ?upstream=}) counts as absent, as the pages send it. */
    private static Optional<String> parameter(ServerRequest req, String name) {
        return req.query().first(name).asOptional().filter(value -> !value.isEmpty());
    }

    private static Instant since(String value) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest("'since' must be an ISO-8601 instant such as 2026-12-01T08:00:00Z");
        }
    }

    private static String name(ServerRequest req, String parameter) {
        String value = parameter(req, parameter).orElse(null);
        if (value != null && value.length() > MAX_NAME_CHARS) {
            throw ProblemException.badRequest("'" + parameter + "' must be at most " + MAX_NAME_CHARS + " characters");
        }
        return value;
    }

    @Override
    public void close() {
        if (feed != null) {
            feed.close();
        }
    }
}
