package dev.rewind.edge.session;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.auth.SessionAuth;
import dev.rewind.edge.http.ProblemException;
import dev.rewind.edge.store.SessionStore;
import dev.rewind.protocol.ConversationIds;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.SessionSummary;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;

/**
 * The API key's conversations, from the session store's conversation indexes (no topic scan):
 * {@code GET /v1/conversations} pages them by latest activity, {@code GET /v1/conversations/{id}}
 * pages one conversation's turns oldest first, each with its prompt as sent and its transcript
 * (read by the same session reader as {@code GET /v1/sessions/{id}}). Another key's conversation
 * is a 404, like an unknown one, so an id's existence does not leak.
 */
public final class ConversationsService implements HttpService {

    private static final Set<String> LIST_PARAMETERS = Set.of("since", "limit", "cursor");
    private static final Set<String> TURN_PARAMETERS = Set.of("limit", "cursor");

    private final EdgeConfig.Conversations limits;
    private final SessionAuth auth;
    private final SessionStore store;
    private final SessionRecords records;

    ConversationsService(EdgeConfig.Conversations limits, SessionAuth auth, SessionStore store, SessionRecords records) {
        this.limits = limits;
        this.auth = auth;
        this.store = store;
        this.records = records;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list);
        rules.get("/{id}", this::conversation);
    }

    private void list(ServerRequest req, ServerResponse res) {
        String owner = auth.owner(req);
        PageParameters.onlyKnown(req, LIST_PARAMETERS);
        SessionStore.ConversationPage page;
        try {
            page = store.conversations(owner, PageParameters.since(req),
                    PageParameters.limit(req, limits.listDefaultLimit(), limits.listMaxLimit()), PageParameters.cursor(req));
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode conversations = body.putArray("conversations");
        page.conversations().forEach(c -> conversations.add(view(c)));
        send(res, body, page.nextCursor());
    }

    private void conversation(ServerRequest req, ServerResponse res) throws IOException {
        String owner = auth.owner(req);
        PageParameters.onlyKnown(req, TURN_PARAMETERS);
        String id = req.path().pathParameters().get("id");
        Optional<SessionStore.Conversation> found = ConversationIds.isValid(id) ? store.conversation(owner, id) : Optional.empty();
        SessionStore.Conversation conversation = found.orElseThrow(() -> ProblemException.notFound("no such conversation"));
        SessionStore.Page turns;
        try {
            turns = store.turns(owner, id, PageParameters.limit(req, limits.turnsDefaultLimit(), limits.turnsMaxLimit()),
                    PageParameters.cursor(req));
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
        ObjectNode body = view(conversation);
        ArrayNode views = body.putArray("turns");
        for (SessionSummary turn : turns.sessions()) {
            views.add(turn(turn));
        }
        send(res, body, turns.nextCursor());
    }

    /** One turn: its summary as {@code GET /v1/sessions/{id}} shows it, the messages and params it was sent with, its transcript. */
    private ObjectNode turn(SessionSummary summary) throws IOException {
        ObjectNode view = SessionViews.summary(new SessionDirectory.Known(summary.id(), summary.owner(), summary.createdAt(),
                summary.upstream(), summary.model(), summary), true);
        // absent once rewind.requests no longer holds the prompt (its retention is configurable)
        Optional<RequestRecord.Start> start = records.start(summary.id(), summary.createdAt());
        start.ifPresent(s -> {
            view.set("messages", Json.MAPPER.valueToTree(s.messages()));
            if (s.params() != null) {
                view.set("params", s.params());
            }
        });
        Transcript transcript = new Transcript();
        records.tokens(summary.id(), summary.createdAt(), transcript::accept);
        transcript.writeTo(view);
        return view;
    }

    private static ObjectNode view(SessionStore.Conversation conversation) {
        ObjectNode view = Json.MAPPER.createObjectNode();
        view.put("id", conversation.id());
        view.put("turn_count", conversation.turns());
        view.put("last_activity", conversation.lastActivity().toString());
        SessionSummary latest = conversation.latest();
        if (latest != null) {
            view.put("latest_session_id", latest.id());
            view.put("status", (latest.status() == null ? SessionSummary.Status.PENDING : latest.status()).wireName());
        }
        return view;
    }

    private static void send(ServerResponse res, ObjectNode body, String nextCursor) {
        if (nextCursor != null) {
            body.put("next_cursor", nextCursor);
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(Json.toBytes(body));
    }
}
