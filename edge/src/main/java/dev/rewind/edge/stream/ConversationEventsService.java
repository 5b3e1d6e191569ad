package dev.rewind.edge.stream;

import dev.rewind.edge.auth.SessionAuth;
import dev.rewind.edge.http.ProblemException;
import dev.rewind.edge.hub.Cursor;
import dev.rewind.protocol.ConversationIds;
import dev.rewind.protocol.SessionSummary;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * {@code GET /v1/conversations/{id}/events}, for the conversation owner's API key: the latest turn
 * as the session store knows it (on any instance, after any restart) streamed as SSE exactly as
 * {@code GET /v1/sessions/{id}/events} streams that session, by the same loop, with the same
 * cursors; {@code X-Rewind-Session-Id} names the turn. Unknown and other keys' conversations are 404.
 */
public final class ConversationEventsService implements HttpService {

    private static final HeaderName LAST_EVENT_ID = HeaderNames.create("Last-Event-ID");
    private static final HeaderName SESSION_ID = HeaderNames.create("X-Rewind-Session-Id");

    private final EventsService events;
    private final EventStreams streams;
    private final SessionAuth auth;
    private final BiFunction<String, String, Optional<SessionSummary>> latestTurn;
    private final Cors cors;

    /** {@code latestTurn}: (owner, conversation id) to the summary of its latest turn. */
    public ConversationEventsService(EventsService events, EventStreams streams, SessionAuth auth,
            BiFunction<String, String, Optional<SessionSummary>> latestTurn) {
        this.events = events;
        this.streams = streams;
        this.auth = auth;
        this.latestTurn = latestTurn;
        this.cors = streams.cors();
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/{id}/events", this::events);
        rules.options("/{id}/events", cors::preflight);
    }

    private void events(ServerRequest req, ServerResponse res) {
        cors.apply(req, res);
        String owner = auth.owner(req);
        String id = req.path().pathParameters().get("id");
        SessionSummary turn = (ConversationIds.isValid(id) ? latestTurn.apply(owner, id) : Optional.<SessionSummary>empty())
                .orElseThrow(() -> ProblemException.notFound("no such conversation"));
        Cursor cursor;
        try {
            cursor = Cursor.resolve(req.headers().first(LAST_EVENT_ID).orElse(null), req.query().first("last_event_id").orElse(null),
                    req.query().first("from").orElse(null));
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
        res.header(SESSION_ID, turn.id());
        events.serve(res, streams.grantedTo(turn.id(), turn.createdAt(), cursor));
    }
}
