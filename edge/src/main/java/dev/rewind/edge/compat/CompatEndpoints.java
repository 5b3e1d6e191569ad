package dev.rewind.edge.compat;

import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.auth.SessionAuth;
import dev.rewind.edge.session.SessionApi;
import dev.rewind.edge.stream.EventStreams;
import io.helidon.webserver.http.HttpRouting;

/** The endpoints of other APIs' dialects, on the session API and the hub: OpenAI Chat Completions and the AI SDK's chat. */
public final class CompatEndpoints {

    private final ChatCompletionsService chatCompletions;
    private final AiSdkChatService aiSdkChat;

    public CompatEndpoints(EdgeConfig config, SessionAuth auth, SessionApi sessions, EventStreams streams) {
        SessionFollower follower = new SessionFollower(streams);
        this.chatCompletions = new ChatCompletionsService(config, auth, sessions.creation(), follower);
        this.aiSdkChat = new AiSdkChatService(config, auth, sessions, follower);
    }

    public void register(HttpRouting.Builder routing) {
        routing.register("/v1/chat/completions", chatCompletions);
        routing.register("/v1/ai-sdk/chat", aiSdkChat);
    }
}
