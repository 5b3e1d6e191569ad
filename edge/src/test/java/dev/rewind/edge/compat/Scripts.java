package dev.rewind.edge.compat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.edge.TokenTopicWriter;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.TokenEvent;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/** The scripted answers of the compat tests, by prompt: what ingest and the processor would have written. */
final class Scripts {

    /** Released by a test to let the "hold" answer finish. */
    static final CountDownLatch HOLD = new CountDownLatch(1);

    static final String TOOL_ARGUMENTS = "{\"path\": \"README.md\"}";

    private Scripts() {}

    static Map<String, BiConsumer<String, TokenTopicWriter>> all() {
        return Map.of(
                "plain", (id, w) -> w.commit(start(id), new TokenEvent.Token(id, 2, "Hello"), new TokenEvent.Token(id, 3, ", world"),
                        new TokenEvent.Done(id, 4, "stop", "stop", json("{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}"))),
                "anthropic usage", (id, w) -> w.commit(start(id), new TokenEvent.Token(id, 2, "Hi"),
                        new TokenEvent.Done(id, 3, "stop", "end_turn", json("{\"input_tokens\":3,\"output_tokens\":4}"))),
                "tool", (id, w) -> w.commit(start(id), new TokenEvent.Token(id, 2, "Let me look."),
                        new TokenEvent.ToolCall(id, 3, 0, 0, "call_1", "read_file", "{\"pa", null, false),
                        new TokenEvent.ToolCall(id, 4, 0, 0, null, null, "th\": \"README.md\"}", json(TOOL_ARGUMENTS), true),
                        new TokenEvent.Done(id, 5, "tool_calls", "tool_calls", null)),
                "thinking", (id, w) -> w.commit(start(id), new TokenEvent.Reasoning(id, 2, "Let me think."),
                        new TokenEvent.Token(id, 3, "42"), new TokenEvent.Done(id, 4, "stop", "stop", null)),
                "retried early", (id, w) -> w.commit(start(id),
                        new TokenEvent.Status(id, 2, "retrying", 1, 100L, "upstream 503"),
                        new TokenEvent.Reset(id, 3, 2, "upstream 503"), new TokenEvent.Token(id, 4, "fresh"),
                        new TokenEvent.Done(id, 5, "stop", "stop", null)),
                "retried late", (id, w) -> w.commit(start(id), new TokenEvent.Token(id, 2, "stale"),
                        new TokenEvent.Reset(id, 3, 2, "stalled"), new TokenEvent.Token(id, 4, "fresh"),
                        new TokenEvent.Done(id, 5, "stop", "stop", null)),
                "fails", (id, w) -> w.commit(start(id), new TokenEvent.Token(id, 2, "x"),
                        new TokenEvent.Error(id, 3, "upstream_rejected", "upstream answered 400: bad model", false)),
                "cancelled", (id, w) -> w.commit(start(id), new TokenEvent.Cancelled(id, 2, "test-owner", "user stopped")),
                "hold", held(HOLD));
    }

    /** "Hel", "lo", then held until {@code release} (at most 60 s), then " again" and done. */
    static BiConsumer<String, TokenTopicWriter> held(CountDownLatch release) {
        return (id, w) -> {
            w.commit(start(id), new TokenEvent.Token(id, 2, "Hel"), new TokenEvent.Token(id, 3, "lo"));
            try {
                if (!release.await(60, TimeUnit.SECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
            w.commit(new TokenEvent.Token(id, 4, " again"), new TokenEvent.Done(id, 5, "stop", "stop", null));
        };
    }

    private static TokenEvent start(String id) {
        return new TokenEvent.Start(id, 1, "sim", "sim-small");
    }

    private static JsonNode json(String text) {
        return Json.fromString(text, JsonNode.class);
    }
}
