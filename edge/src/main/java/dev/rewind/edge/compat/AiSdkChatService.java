package dev.rewind.edge.compat;

import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.auth.SessionAuth;
import dev.rewind.edge.http.Problem;
import dev.rewind.edge.stream.EventStreams;
import dev.rewind.edge.stream.StreamConnections;
import dev.rewind.edge.session.SessionCreation;
import dev.rewind.edge.session.SessionApi;
import dev.rewind.protocol.ConversationIds;
import dev.rewind.protocol.SessionSummary;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Optional;

/**
 * The Vercel AI SDK's chat endpoint: {@code POST /v1/ai-sdk/chat} takes {@code useChat}'s request,
 * starts a Rewind session (the same creation path as {@code POST /v1/sessions}) as the chat's
 * latest response and streams it as a UI message stream; {@code GET /v1/ai-sdk/chat/{chatId}/stream}
 * (what {@code useChat({resume: true})} calls) replays the chat's active response from its start,
 * or answers 204 when none is active. The chat id is the conversation id, and its active response
 * the conversation's latest turn while it has not ended, as the session store says: any instance
 * resumes it, also after a restart. Errors here are RFC 9457 problems (useChat shows the body text).
 */
public final class AiSdkChatService implements HttpService {

    private static final HeaderName UI_STREAM = HeaderNames.create("x-vercel-ai-ui-message-stream");

    private final EdgeConfig config;
    private final SessionAuth auth;
    private final SessionApi sessions;
    private final SessionFollower follower;

    AiSdkChatService(EdgeConfig config, SessionAuth auth, SessionApi sessions, SessionFollower follower) {
        this.config = config;
        this.auth = auth;
        this.sessions = sessions;
        this.follower = follower;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::chat);
        rules.get("/{chatId}/stream", this::resume);
    }

    private void chat(ServerRequest req, ServerResponse res) {
        String owner = auth.owner(req);
        UiChatRequest request = UiChatRequest.of(CompatRequests.json(req, "useChat's request"), config.compat().aiSdkDefaultModel());
        SessionCreation.Created made = sessions.creation().create(owner,
                CompatRequests.session(config, request.model(), request.messages(), request.params(), request.chatId()),
                req.headers().first(ChatCompletionsService.IDEMPOTENCY_KEY), req.headers());
        ChatCompletionsService.sessionHeaders(res, made);
        EventStreams.Stream feed = follower.open(made.sessionId(), made.createdAt(), StreamConnections.Transport.COMPAT);
        follow(made.sessionId(), feed, res);
    }

    private void resume(ServerRequest req, ServerResponse res) {
        String owner = auth.owner(req);
        String chatId = req.path().pathParameters().get("chatId");
        if (!ConversationIds.isValid(chatId)) {
            Problem.notFound(res, "no such chat");
            return;
        }
        // the chat is a conversation: its latest turn, from the session store, on any instance after any restart
        Optional<SessionSummary> active = sessions.latestTurn(owner, chatId)
                .filter(turn -> turn.status() == null || !turn.status().isFinal());
        if (active.isEmpty()) {
            // nothing active: what makes useChat's resume stand down
            res.status(Status.NO_CONTENT_204).send();
            return;
        }
        EventStreams.Stream feed = follower.open(active.get().id(), active.get().createdAt(), StreamConnections.Transport.COMPAT);
        res.header(ChatCompletionsService.SESSION_ID, active.get().id());
        follow(active.get().id(), feed, res);
    }

    private void follow(String sessionId, EventStreams.Stream feed, ServerResponse res) {
        res.header(UI_STREAM, "v1");
        // the assistant message's id follows from the session, so a replay names the same message
        follower.stream(feed, new UiMessageChunks("msg_" + sessionId), res);
    }
}
