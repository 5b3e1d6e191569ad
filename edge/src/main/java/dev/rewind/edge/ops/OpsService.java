package dev.rewind.edge.ops;

import dev.rewind.edge.hub.TokenHub;
import dev.rewind.edge.stream.StreamConnections;
import dev.rewind.protocol.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.BooleanSupplier;

/**
 * Health and metrics: {@code /health} and {@code /health/live} answer while the process serves
 * HTTP; {@code /health/ready} only while Kafka answers, the hub and the session store have caught up and the edge is not
 * draining (a load balancer sends new streams elsewhere); {@code /metrics} in Prometheus text format.
 */
public final class OpsService implements HttpService {

    private final TokenHub hub;
    private final StreamConnections connections;
    private final PrometheusMeterRegistry registry;
    private final BooleanSupplier storeCaughtUp;

    public OpsService(TokenHub hub, StreamConnections connections, PrometheusMeterRegistry registry,
            BooleanSupplier storeCaughtUp) {
        this.hub = hub;
        this.connections = connections;
        this.registry = registry;
        this.storeCaughtUp = storeCaughtUp;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/health", this::live)
                .get("/health/live", this::live)
                .get("/health/ready", this::ready)
                .get("/metrics", this::metrics);
    }

    private void live(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send("{\"status\":\"UP\"}");
    }

    private void ready(ServerRequest req, ServerResponse res) {
        TokenHub.Readiness readiness = connections.draining()
                ? new TokenHub.Readiness(false, "draining for shutdown")
                : !storeCaughtUp.getAsBoolean()
                ? new TokenHub.Readiness(false, "the session store is catching up with rewind.sessions")
                : hub.readiness();
        res.status(readiness.ready() ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(Json.toBytes(Json.MAPPER.createObjectNode()
                .put("status", readiness.ready() ? "UP" : "DOWN").put("detail", readiness.detail())));
    }

    private void metrics(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(registry.scrape());
    }
}
