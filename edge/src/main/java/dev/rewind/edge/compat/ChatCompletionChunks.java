package dev.rewind.edge.compat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.TokenEvent;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A session's events as OpenAI {@code chat.completion.chunk}s: token → {@code delta.content},
 * reasoning → {@code delta.reasoning_content}, refusal → {@code delta.refusal}, tool_call →
 * {@code delta.tool_calls} (id, type and name on a call's first fragment only), done → the
 * {@code finish_reason} chunk, a usage chunk when asked, then {@code [DONE]}. error and cancelled
 * end with an OpenAI error event. A chunk stream cannot take back what it sent: a reset after
 * visible output ends the stream with an error (before any output it passes unseen).
 */
final class ChatCompletionChunks implements Dialect {

    private final String id;
    private final long created;
    private final String model;
    private final boolean includeUsage;
    private final String eventsUrl;
    private final Set<Integer> startedCalls = new HashSet<>();
    private boolean roleSent;
    private boolean visible;
    private boolean ended;

    ChatCompletionChunks(String sessionId, long created, String model, boolean includeUsage, String eventsUrl) {
        this.id = completionId(sessionId);
        this.created = created;
        this.model = model;
        this.includeUsage = includeUsage;
        this.eventsUrl = eventsUrl;
    }

    static String completionId(String sessionId) {
        return "chatcmpl-" + sessionId;
    }

    @Override
    public List<String> frames(TokenEvent event) {
        return switch (event) {
            case TokenEvent.Start start -> roleSent ? List.of() : List.of(role());
            case TokenEvent.Token token -> delta(Json.MAPPER.createObjectNode().put("content", token.text()));
            case TokenEvent.Reasoning reasoning -> delta(Json.MAPPER.createObjectNode().put("reasoning_content", reasoning.text()));
            case TokenEvent.Refusal refusal -> delta(Json.MAPPER.createObjectNode().put("refusal", refusal.text()));
            case TokenEvent.ToolCall call -> delta(toolCall(call));
            case TokenEvent.Status status -> List.of();
            case TokenEvent.Warning warning -> List.of();
            case TokenEvent.Reset reset -> visible
                    ? end(error("the upstream attempt failed after part of the answer was streamed; attempt " + reset.attempt()
                            + " starts over, and a chat.completion.chunk stream cannot take back what it sent. "
                            + "Follow the session at " + eventsUrl + " (X-Rewind-Read-Token) or send the request again",
                            "server_error", "rewind_reset"))
                    : List.of();
            case TokenEvent.Done done -> done(done);
            case TokenEvent.Error error -> end(error(error.message() == null ? error.code() : error.message(),
                    "server_error", error.code()));
            case TokenEvent.Cancelled cancelled -> end(error("the session was cancelled"
                    + (cancelled.reason() == null ? "" : ": " + cancelled.reason()), "cancelled", "cancelled"));
        };
    }

    @Override
    public List<String> interrupted(String why) {
        return end(error(why + "; the session goes on: follow it at " + eventsUrl + " with X-Rewind-Read-Token",
                "server_error", "stream_interrupted"));
    }

    @Override
    public boolean ended() {
        return ended;
    }

    private String role() {
        roleSent = true;
        return Json.toString(chunk(Json.MAPPER.createObjectNode().put("role", "assistant").put("content", ""), null));
    }

    private List<String> delta(ObjectNode delta) {
        visible = true;
        String chunk = Json.toString(chunk(delta, null));
        return roleSent ? List.of(chunk) : List.of(role(), chunk);
    }

    private ObjectNode toolCall(TokenEvent.ToolCall call) {
        ObjectNode fragment = Json.MAPPER.createObjectNode().put("index", call.index());
        ObjectNode function = Json.MAPPER.createObjectNode();
        if (startedCalls.add(call.index())) {
            fragment.put("id", call.id() == null ? "call_" + call.index() : call.id());
            fragment.put("type", "function");
            function.put("name", call.name());
        }
        function.put("arguments", call.argumentsDelta() == null ? "" : call.argumentsDelta());
        fragment.set("function", function);
        ObjectNode delta = Json.MAPPER.createObjectNode();
        delta.putArray("tool_calls").add(fragment);
        return delta;
    }

    private List<String> done(TokenEvent.Done done) {
        List<String> frames = new java.util.ArrayList<>();
        if (!roleSent) {
            frames.add(role());
        }
        frames.add(Json.toString(chunk(Json.MAPPER.createObjectNode(), done.finishReason())));
        ObjectNode usage = Usage.openAi(done.usage());
        if (includeUsage && usage != null) {
            ObjectNode last = base();
            last.putArray("choices");
            last.set("usage", usage);
            frames.add(Json.toString(last));
        }
        frames.add(DONE);
        ended = true;
        return frames;
    }

    private ObjectNode base() {
        ObjectNode chunk = Json.MAPPER.createObjectNode();
        chunk.put("id", id);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", created);
        chunk.put("model", model);
        return chunk;
    }

    private ObjectNode chunk(ObjectNode delta, String finishReason) {
        ObjectNode chunk = base();
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        return chunk;
    }

    private List<String> end(ObjectNode error) {
        ended = true;
        return List.of(Json.toString(error));
    }

    private static ObjectNode error(String message, String type, String code) {
        return OpenAiErrors.body(message, type, null, code);
    }
}
