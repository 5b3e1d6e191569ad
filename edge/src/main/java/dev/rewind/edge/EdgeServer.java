package dev.rewind.edge;

import dev.rewind.edge.analytics.AnalyticsService;
import dev.rewind.edge.auth.ApiKeys;
import dev.rewind.edge.auth.ReadTokens;
import dev.rewind.edge.auth.SessionAuth;
import dev.rewind.edge.compat.CompatEndpoints;
import dev.rewind.edge.http.AccessLog;
import dev.rewind.edge.http.ProblemHandlers;
import dev.rewind.edge.http.RequestChecks;
import dev.rewind.edge.hub.ReplayReaders;
import dev.rewind.edge.hub.TokenHub;
import dev.rewind.edge.ops.EdgeMeters;
import dev.rewind.edge.ops.ReaderFaults;
import dev.rewind.edge.ops.OpsService;
import dev.rewind.edge.pages.PagesService;
import dev.rewind.edge.session.DemoService;
import dev.rewind.edge.session.SessionApi;
import dev.rewind.edge.stream.EventStreams;
import dev.rewind.edge.durablestream.SessionStreamService;
import dev.rewind.edge.stream.ConversationEventsService;
import dev.rewind.edge.stream.EventsService;
import dev.rewind.edge.stream.StreamAccess;
import dev.rewind.edge.stream.StreamConnections;
import dev.rewind.edge.ws.WsEventsEndpoint;
import dev.rewind.protocol.TopicProvisioner;
import dev.rewind.protocol.ops.CloseSteps;
import dev.rewind.protocol.telemetry.Telemetry;
import io.helidon.common.tls.Tls;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.staticcontent.StaticContentService;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running edge: topics provisioned, the session API (store, producers) open, the token hub
 * tailing, the HTTP server listening. Closing drains streams first (clients reconnect elsewhere),
 * then stops.
 */
public final class EdgeServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EdgeServer.class);

    private final WebServer server;
    private final SessionApi sessionApi;
    private final Streaming streaming;
    private final Duration drain;
    private final AnalyticsService analytics;
    private final Telemetry telemetry;

    private EdgeServer(WebServer server, SessionApi sessionApi, Streaming streaming, Duration drain, AnalyticsService analytics,
            Telemetry telemetry) {
        this.telemetry = telemetry;
        this.server = server;
        this.sessionApi = sessionApi;
        this.streaming = streaming;
        this.drain = drain;
        this.analytics = analytics;
    }

    /** What serves event streams: meters (its own from here on), the hub, the replay readers, the open connections. Closed in reverse. */
    private record Streaming(EdgeMeters meters, TokenHub hub, ReplayReaders readers, StreamConnections connections)
            implements AutoCloseable {

        static Streaming start(EdgeConfig config, int partitions, EdgeMeters meters, boolean traced) {
            TokenHub hub = new TokenHub(config.hub(), config.sse().pollMs(), config.kafka().clientConfig(TokenHub.consumerDefaults()),
                    partitions, meters.registry(), ReaderFaults.of(config, meters.registry()), traced);
            try {
                hub.start(Duration.ofSeconds(30));
            } catch (RuntimeException e) {
                CloseSteps.afterFailure(e, hub::close, meters::close);
                throw e;
            }
            ReplayReaders readers = ReplayReaders.forStreams(config, meters.registry());
            return new Streaming(meters, hub, readers, new StreamConnections(config.sse().writeTimeoutMs(), config.sse().maxConnections(),
                    meters.registry()));
        }

        @Override
        public void close() {
            CloseSteps.run(connections::close, readers::close, hub::close, meters::close);
        }
    }

    public static EdgeServer start(EdgeConfig config, Clock clock) {
        return start(config, clock, Telemetry.start("rewind-edge", config.telemetry(), System.getenv()));
    }

    /** As above, tracing into {@code telemetry} (closed with the server; tests hand in one with an in-memory exporter). */
    public static EdgeServer start(EdgeConfig config, Clock clock, Telemetry telemetry) {
        try {
            return started(config, clock, telemetry);
        } catch (RuntimeException e) {
            CloseSteps.afterFailure(e, telemetry::close);
            throw e;
        }
    }

    private static EdgeServer started(EdgeConfig config, Clock clock, Telemetry telemetry) {
        // http.tls: HTTPS when enabled; its key material is read first, so a bad file stops startup before Kafka is touched
        Tls tls = config.http().tls().toHelidon(System.getenv());
        int partitions;
        try (Admin admin = Admin.create(config.kafka().clientConfig(Map.of()))) {
            partitions = TopicProvisioner.ensure(admin, config.topics()).partitions();
        }
        ApiKeys apiKeys = new ApiKeys(config.auth().apiKeys());
        ReadTokens readTokens = new ReadTokens(config.auth(), clock);
        // first: the session store feed counts the records it cannot use in it (Streaming closes it)
        EdgeMeters meters = new EdgeMeters();
        // streaming first: a session created here has its window opened by the hub before its start is written
        Streaming streaming = Streaming.start(config, partitions, meters, telemetry.enabled());
        SessionApi sessionApi;
        try {
            sessionApi = SessionApi.start(config, apiKeys, readTokens, partitions, streaming.hub()::expectNewSession, clock,
                    meters.registry(), telemetry);
        } catch (RuntimeException e) {
            CloseSteps.afterFailure(e, streaming::close);
            throw e;
        }
        AnalyticsService analytics = null;
        try {
            EventStreams streams = new EventStreams(config, new StreamAccess(readTokens), streaming.hub(), streaming.readers(),
                    streaming.connections(), clock, telemetry);
            EventsService events = new EventsService(streams);
            ConversationEventsService conversationEvents = new ConversationEventsService(events, streams,
                    new SessionAuth(apiKeys, readTokens), sessionApi::latestTurn);
            SessionStreamService durableStreams = new SessionStreamService(streams);
            WsEventsEndpoint ws = new WsEventsEndpoint(streams);
            CompatEndpoints compat = new CompatEndpoints(config, new SessionAuth(apiKeys, readTokens), sessionApi, streams);
            OpsService ops = new OpsService(streaming.hub(), streaming.connections(), streaming.meters().registry(),
                    sessionApi::storeCaughtUp);
            // in the background: the edge starts, and is ready, whether or not rewind.analytics can be read
            AnalyticsService started = AnalyticsService.start(config, new SessionAuth(apiKeys, readTokens), clock,
                    streaming.meters().registry());
            analytics = started;
            WebServer server = WebServer.builder()
                    .host(config.http().host())
                    .port(config.http().port())
                    .maxPayloadSize(config.http().maxRequestBytes())
                    .tls(tls)
                    .addProtocol(Http1Config.builder()
                            .maxHeadersSize(RequestChecks.parserLimit(config.http().maxHeaderBytes()))
                            // Helidon 4.2.0 refuses RFC 3986's ':' in a query (?since=…T00:00:00Z, ?from=seq:N,
                            // sent as is by browsers): RequestChecks and the handlers validate queries instead
                            .validatePrologue(false)
                            .build())
                    .directHandlers(ProblemHandlers.directHandlers(config.http().maxHeaderBytes(), config.http().maxRequestBytes()))
                    .shutdownHook(false)
                    .connectionOptions(options -> options.tcpNoDelay(true))
                    // per connection: SSE frames are small, and 15,000 idle streams each held Helidon's 4 KiB default
                    .writeBufferSize(1024)
                    .routing(routing -> routing
                            .addFilter(new AccessLog())
                            .addFilter(new RequestChecks(config.http().maxHeaderBytes()))
                            .update(ProblemHandlers::register)
                            .register("/v1/sessions", sessionApi.services())
                            .register("/v1/sessions", events)
                            .register("/v1/sessions", durableStreams)
                            .register("/v1/sessions", ws.fallback())
                            .register("/v1/conversations", sessionApi.conversations())
                            .register("/v1/conversations", conversationEvents)
                            .register("/v1/demo", new DemoService(config.demo()))
                            .register("/v1/analytics", started)
                            .update(compat::register)
                            .register(ops)
                            .register(PagesService.fromClasspath("web"))
                            .register("/", StaticContentService.builder("web").welcomeFileName("index.html").build())
                            .update(ProblemHandlers::registerFallback))
                    .addRouting(ws.routing())
                    .build()
                    .start();
            LOG.info("edge listening on {}://{}:{} ({} partitions)", server.hasTls() ? "https" : "http", config.http().host(),
                    server.port(), partitions);
            return new EdgeServer(server, sessionApi, streaming, Duration.ofMillis(config.shutdown().drainMs()), started,
                    telemetry);
        } catch (RuntimeException e) {
            CloseSteps.afterFailure(e, CloseSteps.closing(analytics), streaming::close, sessionApi::close);
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

    /**
     * Graceful: readiness turns DOWN and new streams get 503, open streams end after what they have
     * queued (SSE with a comment, WebSocket with close 1012) so clients reconnect to another instance
     * and resume by id; then the server stops, and the hub closes last.
     */
    @Override
    public void close() {
        CloseSteps.run(() -> streaming.connections().drain(drain), server::stop, analytics::close, streaming::close,
                sessionApi::close, telemetry::close);
    }
}
