package dev.rewind.edge;

import dev.rewind.edge.auth.ApiKeys;
import dev.rewind.edge.auth.ReadTokens;
import dev.rewind.edge.session.DemoService;
import dev.rewind.edge.session.SessionsService;
import dev.rewind.edge.stream.EventsService;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.TopicProvisioner;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.staticcontent.StaticContentService;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running edge: topics provisioned, the request producer open, the HTTP server listening. */
public final class EdgeServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EdgeServer.class);

    private final WebServer server;
    private final KafkaProducer<String, RequestRecord> requests;

    private EdgeServer(WebServer server, KafkaProducer<String, RequestRecord> requests) {
        this.server = server;
        this.requests = requests;
    }

    public static EdgeServer start(EdgeConfig config, Clock clock) {
        int partitions;
        try (Admin admin = Admin.create(config.kafka().clientConfig(Map.of()))) {
            partitions = TopicProvisioner.ensure(admin, config.topics()).partitions();
        }
        ApiKeys apiKeys = new ApiKeys(config.auth().apiKeys());
        ReadTokens readTokens = new ReadTokens(config.auth(), clock);
        KafkaProducer<String, RequestRecord> requests = new KafkaProducer<>(
                config.kafka().clientConfig(SessionsService.producerDefaults()), new StringSerializer(), Serdes.REQUEST);
        Map<String, Object> readerConfig = config.kafka().clientConfig(Map.of(
                "isolation.level", "read_committed",
                "enable.auto.commit", false,
                "auto.offset.reset", "none",
                "max.poll.records", 500,
                "client.id", "rewind-edge-replay"));
        SessionsService sessions = new SessionsService(config, apiKeys, readTokens, requests, clock);
        EventsService events = new EventsService(config, readTokens, readerConfig, () -> partitions);
        try {
            WebServer server = WebServer.builder()
                    .host(config.http().host())
                    .port(config.http().port())
                    .maxPayloadSize(config.http().maxRequestBytes())
                    .shutdownHook(false)
                    .connectionOptions(options -> options.tcpNoDelay(true))
                    .routing(routing -> routing
                            .register("/v1/sessions", sessions, events)
                            .register("/v1/demo", new DemoService(config.demo()))
                            .get("/health", (req, res) -> res.send("{\"status\":\"UP\"}"))
                            .register("/", StaticContentService.builder("web").welcomeFileName("index.html").build()))
                    .build()
                    .start();
            LOG.info("edge listening on http://{}:{} ({} partitions)", config.http().host(), server.port(), partitions);
            return new EdgeServer(server, requests);
        } catch (RuntimeException e) {
            requests.close(Duration.ZERO);
            throw e;
        }
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.stop();
        requests.close(Duration.ofSeconds(5));
    }
}
