package dev.rewind.edge.session;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.auth.ReadTokens;
import dev.rewind.edge.auth.SessionAuth;
import dev.rewind.edge.http.ProblemException;
import dev.rewind.edge.store.SessionStore;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.SessionSummary;
import dev.rewind.protocol.Topics;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.Producer;

/**
 * The session collection: {@code POST /v1/sessions} validates a generation request and hands it
 * to ingest through {@code rewind.requests}; {@code GET /v1/sessions} pages the owner's sessions
 * from the on-disk store.
 */
public final class SessionsService implements HttpService {

    private static final Set<String> LIST_PARAMETERS = Set.of("since", "status", "limit", "cursor");

    private final EdgeConfig config;
    private final SessionAuth auth;
    private final ReadTokens readTokens;
    private final Producer<String, RequestRecord> requests;
    private final SessionStore store;
    private final IdempotentReplays replays;
    private final CreationRateLimit rateLimit;
    private final Clock clock;

    SessionsService(EdgeConfig config, SessionAuth auth, ReadTokens readTokens, Producer<String, RequestRecord> requests,
            SessionStore store, IdempotentReplays replays, Clock clock) {
        this.config = config;
        this.auth = auth;
        this.readTokens = readTokens;
        this.requests = requests;
        this.store = store;
        this.replays = replays;
        this.rateLimit = new CreationRateLimit(config.rateLimit());
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::create);
        rules.get("/", this::list);
    }

    private void create(ServerRequest req, ServerResponse res) {
        String owner = auth.owner(req);
        rateLimit.acquire(owner);
        CreateSessionBody body = parse(req);
        String upstream = body.upstream() == null ? config.defaultUpstream() : body.upstream();
        EdgeConfig.UpstreamRef ref = config.upstreams().get(upstream);
        if (ref == null) {
            throw ProblemException.badRequest("unknown upstream '" + upstream + "'; configured: " + config.upstreams().keySet());
        }
        ObjectNode params = body.params() == null ? Json.MAPPER.createObjectNode() : body.params();
        Optional<String> idempotencyKey = req.headers().first(HeaderNames.create("Idempotency-Key")).map(IdempotencyKeys::validated);
        byte[] digest = IdempotencyKeys.requestDigest(upstream, body.model(), body.messages(), params);
        String sessionId = idempotencyKey.map(key -> IdempotencyKeys.sessionId(owner, key)).orElseGet(SessionIds::newId);
        RecentSessions.Creation entry = new RecentSessions.Creation(owner, clock.instant(), upstream, body.model(), digest,
                new CompletableFuture<>());
        Optional<Instant> earlier = replays.reserve(sessionId, entry, idempotencyKey.isPresent());
        if (earlier.isPresent()) {
            res.header(HeaderNames.create("Idempotent-Replayed"), "true");
            created(res, sessionId, earlier.get());
            return;
        }
        publish(new RequestRecord.Start(sessionId, owner, upstream, ref.format(), body.model(), body.messages(), params,
                entry.createdAt(), idempotencyKey.orElse(null)), entry);
        created(res, sessionId, entry.createdAt());
    }

    /** Writes the start request (refused with 413 above the topic's limit); its reservation is dropped on failure. */
    private void publish(RequestRecord.Start start, RecentSessions.Creation entry) {
        try {
            byte[] serialised = Json.toBytes(start);
            if (serialised.length > config.topics().maxMessageBytes()) {
                throw new ProblemException(413, "the request is " + serialised.length
                        + " bytes as a record; the limit is " + config.topics().maxMessageBytes());
            }
            AcknowledgedSend.send(requests, Topics.REQUESTS, start.sessionId(), start, "session");
            entry.published().complete(null);
        } catch (RuntimeException e) {
            replays.forget(start.sessionId(), entry);
            entry.published().completeExceptionally(e);
            throw e;
        }
    }

    private CreateSessionBody parse(ServerRequest req) {
        CreateSessionBody body = Bodies.read(req, CreateSessionBody.class, "session request")
                .orElseThrow(() -> ProblemException.badRequest("the body is empty; send a JSON session request"));
        String problem = body.problem();
        if (problem != null) {
            throw ProblemException.badRequest(problem);
        }
        return body;
    }

    private void created(ServerResponse res, String sessionId, Instant createdAt) {
        ObjectNode created = Json.MAPPER.createObjectNode();
        created.put("id", sessionId);
        created.put("token", readTokens.issue(sessionId, createdAt));
        created.put("events_url", "/v1/sessions/" + sessionId + "/events");
        created.put("ws_url", "/v1/sessions/" + sessionId + "/ws");
        res.status(Status.CREATED_201);
        res.header(HeaderNames.LOCATION, "/v1/sessions/" + sessionId);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(Json.toBytes(created));
    }

    private void list(ServerRequest req, ServerResponse res) {
        String owner = auth.owner(req);
        for (String name : req.query().names()) {
            if (!LIST_PARAMETERS.contains(name)) {
                throw ProblemException.badRequest("unknown query parameter '" + name + "'; known: " + LIST_PARAMETERS);
            }
        }
        SessionStore.PageQuery query = new SessionStore.PageQuery(since(req), statuses(req), limit(req),
                req.query().first("cursor").asOptional().filter(c -> !c.isEmpty()).orElse(null),
                config.sessions().listScanBudget());
        SessionStore.Page page;
        try {
            page = store.page(owner, query);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode sessions = body.putArray("sessions");
        for (SessionSummary summary : page.sessions()) {
            sessions.add(SessionViews.summary(new SessionDirectory.Known(summary.id(), summary.owner(),
                    summary.createdAt(), summary.upstream(), summary.model(), summary), true));
        }
        if (page.nextCursor() != null) {
            body.put("next_cursor", page.nextCursor());
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(Json.toBytes(body));
    }

    private static Instant since(ServerRequest req) {
        Optional<String> since = req.query().first("since").asOptional().filter(s -> !s.isEmpty());
        try {
            return since.map(Instant::parse).orElse(null);
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest("'since' must be an ISO-8601 instant such as 2026-12-01T00:00:00Z");
        }
    }

    private static Set<SessionSummary.Status> statuses(ServerRequest req) {
        Set<SessionSummary.Status> statuses = EnumSet.noneOf(SessionSummary.Status.class);
        for (String value : req.query().all("status", List::of)) {
            for (String name : value.split(",")) {
                statuses.add(Arrays.stream(SessionSummary.Status.values()).filter(s -> s.wireName().equals(name.strip()))
                        .findFirst().orElseThrow(() -> ProblemException.badRequest("'status' must be one or more of "
                                + Arrays.stream(SessionSummary.Status.values()).map(SessionSummary.Status::wireName).toList()
                                + ", comma-separated")));
            }
        }
        return statuses;
    }

    private int limit(ServerRequest req) {
        Optional<String> limit = req.query().first("limit").asOptional();
        if (limit.isEmpty()) {
            return config.sessions().listDefaultLimit();
        }
        try {
            int n = Integer.parseInt(limit.get());
            if (n >= 1 && n <= config.sessions().listMaxLimit()) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw ProblemException.badRequest("'limit' must be 1.." + config.sessions().listMaxLimit());
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
