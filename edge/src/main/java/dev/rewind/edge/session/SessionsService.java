package dev.rewind.edge.session;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.auth.SessionAuth;
import dev.rewind.edge.http.ProblemException;
import dev.rewind.edge.store.SessionStore;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.SessionSummary;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The session collection: {@code POST /v1/sessions} validates a generation request and hands it
 * to ingest through {@code rewind.requests}; {@code GET /v1/sessions} pages the owner's sessions
 * from the on-disk store.
 */
public final class SessionsService implements HttpService {

    private static final Set<String> LIST_PARAMETERS = Set.of("since", "status", "limit", "cursor");

    private final EdgeConfig config;
    private final SessionAuth auth;
    private final SessionCreation creation;
    private final SessionStore store;

    SessionsService(EdgeConfig config, SessionAuth auth, SessionCreation creation, SessionStore store) {
        this.config = config;
        this.auth = auth;
        this.creation = creation;
        this.store = store;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::create);
        rules.get("/", this::list);
    }

    private void create(ServerRequest req, ServerResponse res) {
        String owner = auth.owner(req);
        CreateSessionBody body = Bodies.read(req, CreateSessionBody.class, "session request")
                .orElseThrow(() -> ProblemException.badRequest("the body is empty; send a JSON session request"));
        SessionCreation.Created made = creation.create(owner,
                new SessionCreation.Request(body.upstream(), body.model(), body.messages(), body.params(), body.conversationId()),
                req.headers().first(HeaderNames.create("Idempotency-Key")), req.headers());
        if (made.replayed()) {
            res.header(HeaderNames.create("Idempotent-Replayed"), "true");
        }
        created(res, made);
    }

    private void created(ServerResponse res, SessionCreation.Created made) {
        ObjectNode created = Json.MAPPER.createObjectNode();
        created.put("id", made.sessionId());
        created.put("token", made.token());
        created.put("events_url", made.eventsUrl());
        created.put("ws_url", "/v1/sessions/" + made.sessionId() + "/ws");
        res.status(Status.CREATED_201);
        res.header(HeaderNames.LOCATION, "/v1/sessions/" + made.sessionId());
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(Json.toBytes(created));
    }

    private void list(ServerRequest req, ServerResponse res) {
        String owner = auth.owner(req);
        PageParameters.onlyKnown(req, LIST_PARAMETERS);
        SessionStore.PageQuery query = new SessionStore.PageQuery(PageParameters.since(req), statuses(req),
                PageParameters.limit(req, config.sessions().listDefaultLimit(), config.sessions().listMaxLimit()),
                PageParameters.cursor(req), config.sessions().listScanBudget());
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
