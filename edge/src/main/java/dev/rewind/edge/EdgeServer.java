package dev.rewind.edge;

import dev.rewind.edge.auth.ApiKeys;
import dev.rewind.edge.auth.ReadTokens;
import dev.rewind.edge.http.AccessLog;
import dev.rewind.edge.http.RequestChecks;
import dev.rewind.edge.http.ProblemHandlers;
import dev.rewind.edge.session.DemoService;
import dev.rewind.edge.session.SessionApi;
import dev.rewind.edge.stream.EventsService;
import dev.rewind.protocol.TopicProvisioner;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.staticcontent.StaticContentService;
import java.time.Clock;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running edge: topics provisioned, the session API (store, producers) open, the HTTP server listening. */
public final class EdgeServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EdgeServer.class);

    private final WebServer server;
    private final SessionApi sessionApi;

    private EdgeServer(WebServer server, SessionApi sessionApi) {
        this.server = server;
        this.sessionApi = sessionApi;
    }

    public static EdgeServer start(EdgeConfig config, Clock clock) {
        int partitions;
        try (Admin admin = Admin.create(config.kafka().clientConfig(Map.of()))) {
            partitions = TopicProvisioner.ensure(admin, config.topics()).partitions();
        }
        ApiKeys apiKeys = new ApiKeys(config.auth().apiKeys());
        ReadTokens readTokens = new ReadTokens(config.auth(), clock);
        Map<String, Object> readerConfig = config.kafka().clientConfig(Map.of(
                "isolation.level", "read_committed",
                "enable.auto.commit", false,
                "auto.offset.reset", "none",
                "max.poll.records", 500,
                "client.id", "rewind-edge-replay"));
        SessionApi sessionApi = SessionApi.start(config, apiKeys, readTokens, partitions, clock);
        EventsService events = new EventsService(config, readTokens, readerConfig, () -> partitions);
        try {
            WebServer server = WebServer.builder()
                    .host(config.http().host())
                    .port(config.http().port())
                    .maxPayloadSize(config.http().maxRequestBytes())
                    .addProtocol(Http1Config.builder()
                            .maxHeadersSize(RequestChecks.parserLimit(config.http().maxHeaderBytes()))
                            // Helidon 4.2.0 refuses RFC 3986's ':' in a query (?since=2026-12-01T00:00:00Z):
                            // RequestChecks validates queries instead
                            .validatePrologue(false)
                            .build())
                    .directHandlers(ProblemHandlers.directHandlers(config.http().maxHeaderBytes(), config.http().maxRequestBytes()))
                    .shutdownHook(false)
                    .connectionOptions(options -> options.tcpNoDelay(true))
                    .routing(routing -> routing
                            .addFilter(new AccessLog())
                            .addFilter(new RequestChecks(config.http().maxHeaderBytes()))
                            .update(ProblemHandlers::register)
                            .register("/v1/sessions", sessionApi.services())
                            .register("/v1/sessions", events)
                            .register("/v1/demo", new DemoService(config.demo()))
                            .get("/health", (req, res) -> res.send("{\"status\":\"UP\"}"))
                            .register("/", StaticContentService.builder("web").welcomeFileName("index.html").build())
                            .update(ProblemHandlers::registerFallback))
                    .build()
                    .start();
            LOG.info("edge listening on http://{}:{} ({} partitions)", config.http().host(), server.port(), partitions);
            return new EdgeServer(server, sessionApi);
        } catch (RuntimeException e) {
            sessionApi.close();
            throw e;
        }
    }

    public int port() {
        return server.port();
    }

    /** The session API, for readiness (is its store caught up?) and tests. */
    public SessionApi sessionApi() {
        return sessionApi;
    }

    @Override
    public void close() {
        server.stop();
        sessionApi.close();
    }
}
