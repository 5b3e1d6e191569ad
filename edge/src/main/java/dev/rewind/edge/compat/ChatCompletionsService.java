package dev.rewind.edge.compat;

import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.auth.SessionAuth;
import dev.rewind.edge.http.ProblemException;
import dev.rewind.edge.stream.EventStreams;
import dev.rewind.edge.stream.StreamConnections;
import dev.rewind.edge.session.SessionCreation;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.TokenEvent;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code POST /v1/chat/completions}, OpenAI-compatible: the body becomes a session through the
 * same creation path as {@code POST /v1/sessions} (validation, Idempotency-Key, rate limit), then
 * the session is followed through the hub from its start and answered as
 * {@code chat.completion.chunk} SSE ({@code stream: true}) or one {@code chat.completion}. The
 * session's id, events URL and read token ride in headers, so a cut stream can be resumed there.
 */
public final class ChatCompletionsService implements HttpService {

    static final HeaderName SESSION_ID = HeaderNames.create("X-Rewind-Session-Id");
    static final HeaderName EVENTS_URL = HeaderNames.create("X-Rewind-Events-Url");
    static final HeaderName READ_TOKEN = HeaderNames.create("X-Rewind-Read-Token");
    static final HeaderName IDEMPOTENCY_KEY = HeaderNames.create("Idempotency-Key");

    private final EdgeConfig config;
    private final SessionAuth auth;
    private final SessionCreation creation;
    private final SessionFollower follower;

    ChatCompletionsService(EdgeConfig config, SessionAuth auth, SessionCreation creation, SessionFollower follower) {
        this.config = config;
        this.auth = auth;
        this.creation = creation;
        this.follower = follower;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::complete);
    }

    private void complete(ServerRequest req, ServerResponse res) {
        CompletionRequest request;
        SessionCreation.Created made;
        EventStreams.Stream feed;
        try {
            String owner = auth.owner(req);
            request = CompletionRequest.of(CompatRequests.json(req, "a Chat Completions request"), config);
            made = creation.create(owner, request.session(), req.headers().first(IDEMPOTENCY_KEY), req.headers());
            // named before the feed opens, so that even a 503 tells where the session can be followed
            sessionHeaders(res, made);
            feed = follower.open(made.sessionId(), made.createdAt(),
                    request.stream() ? StreamConnections.Transport.COMPAT : StreamConnections.Transport.COMPLETION);
        } catch (CompletionRequest.ParamException e) {
            res.status(Status.BAD_REQUEST_400);
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.send(Json.toBytes(OpenAiErrors.body(e.getMessage(), "invalid_request_error", e.param(), null)));
            return;
        } catch (ProblemException e) {
            OpenAiErrors.send(res, e);
            return;
        }
        long created = made.createdAt().getEpochSecond();
        if (request.stream()) {
            follower.stream(feed, new ChatCompletionChunks(made.sessionId(), created, request.model(), request.includeUsage(),
                    made.eventsUrl()), res);
        } else {
            answer(feed, made, created, request.model(), res);
        }
    }

    /** {@code stream: false}: waits (at most {@code compat.completion_timeout_ms}) for the terminal event. */
    private void answer(EventStreams.Stream feed, SessionCreation.Created made, long created, String model, ServerResponse res) {
        ChatCompletionAssembly assembly = new ChatCompletionAssembly();
        SessionFollower.Outcome outcome = follower.gather(feed, assembly::accept, config.compat().completionTimeoutMs());
        switch (outcome) {
            case TIMEOUT -> OpenAiErrors.send(res, 504, "the session did not finish within compat.completion_timeout_ms; "
                    + "it goes on: follow it at " + made.eventsUrl() + " with X-Rewind-Read-Token", "timeout");
            case INTERRUPTED -> {
                res.header(HeaderNames.RETRY_AFTER, "1");
                OpenAiErrors.send(res, 503, "the edge stopped following the session (shutting down); it goes on: "
                        + "follow it at " + made.eventsUrl() + " with X-Rewind-Read-Token", "service_unavailable");
            }
            case TERMINAL -> {
                switch (assembly.terminal()) {
                    case TokenEvent.Done done -> {
                        res.header(HeaderNames.CONTENT_TYPE, "application/json");
                        res.send(Json.toBytes(assembly.completion(made.sessionId(), created, model, done)));
                    }
                    case TokenEvent.Error error -> OpenAiErrors.send(res, 502,
                            error.message() == null ? error.code() : error.message(), error.code());
                    case TokenEvent.Cancelled cancelled -> OpenAiErrors.send(res, 409, "the session was cancelled"
                            + (cancelled.reason() == null ? "" : ": " + cancelled.reason()), "cancelled");
                    default -> throw new IllegalStateException("a terminal outcome without a terminal event");
                }
            }
        }
    }

    static void sessionHeaders(ServerResponse res, SessionCreation.Created made) {
        res.header(SESSION_ID, made.sessionId());
        res.header(EVENTS_URL, made.eventsUrl());
        res.header(READ_TOKEN, made.token());
        if (made.replayed()) {
            res.header(HeaderNames.create("Idempotent-Replayed"), "true");
        }
    }
}
