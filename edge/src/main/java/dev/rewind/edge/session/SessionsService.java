package dev.rewind.edge.session;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.auth.ApiKeys;
import dev.rewind.edge.auth.Credentials;
import dev.rewind.edge.auth.ReadTokens;
import dev.rewind.edge.http.Problem;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.Topics;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code POST /v1/sessions}: validates a generation request and hands it to ingest through {@code rewind.requests}. */
public final class SessionsService implements HttpService {

    private static final Logger LOG = LoggerFactory.getLogger(SessionsService.class);
    private static final ObjectReader BODY = Json.MAPPER.readerFor(CreateSessionBody.class)
            .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final long SEND_TIMEOUT_MS = 10_000;

    private final EdgeConfig config;
    private final ApiKeys apiKeys;
    private final ReadTokens readTokens;
    private final Producer<String, RequestRecord> requests;
    private final Clock clock;

    public SessionsService(
            EdgeConfig config, ApiKeys apiKeys, ReadTokens readTokens, Producer<String, RequestRecord> requests, Clock clock) {
        this.config = config;
        this.apiKeys = apiKeys;
        this.readTokens = readTokens;
        this.requests = requests;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::create);
    }

    private void create(ServerRequest req, ServerResponse res) {
        Optional<String> owner = Credentials.bearer(req).flatMap(apiKeys::ownerOf);
        if (owner.isEmpty()) {
            Problem.unauthorized(res, "an API key is required: Authorization: Bearer <key>");
            return;
        }
        CreateSessionBody body;
        try {
            body = BODY.readValue(req.content().inputStream());
        } catch (IOException e) {
            Problem.badRequest(res, "the body is not a valid session request: " + firstLine(e.getMessage()));
            return;
        }
        if (body == null) {
            Problem.badRequest(res, "the body is empty; send a JSON session request");
            return;
        }
        String problem = body.problem();
        String upstream = body.upstream() == null ? config.defaultUpstream() : body.upstream();
        EdgeConfig.UpstreamRef ref = config.upstreams().get(upstream);
        if (problem == null && ref == null) {
            problem = "unknown upstream '" + upstream + "'; configured: " + config.upstreams().keySet();
        }
        if (problem != null) {
            Problem.badRequest(res, problem);
            return;
        }
        String sessionId = SessionIds.newId();
        Instant createdAt = clock.instant();
        RequestRecord.Start start = new RequestRecord.Start(sessionId, owner.get(), upstream, ref.format(),
                body.model(), body.messages(), body.params() == null ? Json.MAPPER.createObjectNode() : body.params(),
                createdAt, req.headers().first(HeaderNames.create("Idempotency-Key")).orElse(null));
        byte[] serialised = Json.toBytes(start);
        if (serialised.length > config.topics().maxMessageBytes()) {
            Problem.send(res, 413, "Content Too Large", "the request is " + serialised.length
                    + " bytes as a record; the limit is " + config.topics().maxMessageBytes());
            return;
        }
        if (!publish(start, res)) {
            return;
        }
        ObjectNode created = Json.MAPPER.createObjectNode();
        created.put("id", sessionId);
        created.put("token", readTokens.issue(sessionId, createdAt));
        created.put("events_url", "/v1/sessions/" + sessionId + "/events");
        created.put("ws_url", "/v1/sessions/" + sessionId + "/ws");
        res.status(Status.CREATED_201);
        res.header(HeaderNames.LOCATION, "/v1/sessions/" + sessionId);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(Json.toBytes(created));
    }

    /** Writes the start request and waits for Kafka's acknowledgement: a 201 means it is durable. */
    private boolean publish(RequestRecord.Start start, ServerResponse res) {
        try {
            requests.send(new ProducerRecord<>(Topics.REQUESTS, start.sessionId(), start))
                    .get(SEND_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("cannot write session {} to {}: {}", start.sessionId(), Topics.REQUESTS, e.toString());
        }
        res.header(HeaderNames.RETRY_AFTER, "5");
        Problem.send(res, 503, "Service Unavailable", "the session could not be stored; try again shortly");
        return false;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        String line = nl < 0 ? message : message.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) : line;
    }

    public static Map<String, Object> producerDefaults() {
        return Map.of(
                "acks", "all",
                "enable.idempotence", true,
                // linger 0: a session request is one record and a client waits for it
                "linger.ms", 0,
                "compression.type", "lz4",
                "max.block.ms", 5_000,
                "delivery.timeout.ms", 10_000,
                "request.timeout.ms", 5_000,
                "client.id", "rewind-edge-requests");
    }
}
