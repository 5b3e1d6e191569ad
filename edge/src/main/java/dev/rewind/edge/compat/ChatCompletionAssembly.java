package dev.rewind.edge.compat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.TokenEvent;
import java.util.Map;
import java.util.TreeMap;

/**
 * A session's events gathered into one {@code chat.completion} (for {@code stream: false}): the
 * contract's transcript rule applies, so a {@code reset} clears what came before it.
 */
final class ChatCompletionAssembly {

    private record Call(String id, String name, StringBuilder arguments) {}

    private final StringBuilder content = new StringBuilder();
    private final StringBuilder reasoning = new StringBuilder();
    private final StringBuilder refusal = new StringBuilder();
    private final Map<Integer, Call> calls = new TreeMap<>();
    private TokenEvent terminal;

    void accept(TokenEvent event) {
        switch (event) {
            case TokenEvent.Token token -> content.append(token.text());
            case TokenEvent.Reasoning r -> reasoning.append(r.text());
            case TokenEvent.Refusal r -> refusal.append(r.text());
            case TokenEvent.ToolCall call -> calls.computeIfAbsent(call.index(), i -> new Call(
                    call.id() == null ? "call_" + i : call.id(), call.name(), new StringBuilder()))
                    .arguments().append(call.argumentsDelta() == null ? "" : call.argumentsDelta());
            case TokenEvent.Reset reset -> {
                content.setLength(0);
                reasoning.setLength(0);
                refusal.setLength(0);
                calls.clear();
            }
            case TokenEvent.Done d -> terminal = d;
            case TokenEvent.Error e -> terminal = e;
            case TokenEvent.Cancelled c -> terminal = c;
            case TokenEvent.Start s -> { }
            case TokenEvent.Status s -> { }
            case TokenEvent.Warning w -> { }
        }
    }

    /** The terminal event, once seen. */
    TokenEvent terminal() {
        return terminal;
    }

    /** The {@code chat.completion} of a session that ended with {@code done}. */
    ObjectNode completion(String sessionId, long created, String model, TokenEvent.Done done) {
        ObjectNode completion = Json.MAPPER.createObjectNode();
        completion.put("id", ChatCompletionChunks.completionId(sessionId));
        completion.put("object", "chat.completion");
        completion.put("created", created);
        completion.put("model", model);
        ObjectNode choice = completion.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        if (content.isEmpty() && !calls.isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", content.toString());
        }
        message.put("refusal", refusal.isEmpty() ? null : refusal.toString());
        if (!reasoning.isEmpty()) {
            message.put("reasoning_content", reasoning.toString());
        }
        if (!calls.isEmpty()) {
            ArrayNode toolCalls = message.putArray("tool_calls");
            calls.values().forEach(call -> {
                ObjectNode entry = toolCalls.addObject().put("id", call.id()).put("type", "function");
                entry.putObject("function").put("name", call.name()).put("arguments", call.arguments().toString());
            });
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", done.finishReason());
        ObjectNode usage = Usage.openAi(done.usage());
        if (usage != null) {
            completion.set("usage", usage);
        }
        return completion;
    }
}
