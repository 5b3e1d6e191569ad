package dev.rewind.edge.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.edge.http.ProblemException;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.RequestRecord.ChatMessage;
import dev.rewind.protocol.TokenEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure parts of both dialects: events to frames, UI messages to Chat Completions messages, usage names. */
class DialectTranslationTest {

    private static JsonNode json(String text) {
        return Json.fromString(text, JsonNode.class);
    }

    @Test
    void aToolCallsIdTypeAndNameComeOnlyWithItsFirstFragment() {
        ChatCompletionChunks chunks = new ChatCompletionChunks("s_1", 1, "sim-small", false, "/v1/sessions/s_1/events");
        chunks.frames(new TokenEvent.Start("s_1", 1, "sim", "sim-small"));
        JsonNode first = json(chunks.frames(new TokenEvent.ToolCall("s_1", 2, 0, 0, "call_9", "f", "{\"a", null, false)).getFirst());
        JsonNode second = json(chunks.frames(new TokenEvent.ToolCall("s_1", 3, 0, 0, "call_9", "f", "\":1}", json("{\"a\":1}"), true)).getFirst());
        assertThat(first.at("/choices/0/delta/tool_calls/0/id").asText()).isEqualTo("call_9");
        assertThat(first.at("/choices/0/delta/tool_calls/0/type").asText()).isEqualTo("function");
        assertThat(first.at("/choices/0/delta/tool_calls/0/function/name").asText()).isEqualTo("f");
        assertThat(second.at("/choices/0/delta/tool_calls/0").has("id")).isFalse();
        assertThat(second.at("/choices/0/delta/tool_calls/0/function").has("name")).isFalse();
        assertThat(second.at("/choices/0/delta/tool_calls/0/function/arguments").asText()).isEqualTo("\":1}");
        List<String> end = chunks.frames(new TokenEvent.Done("s_1", 4, "tool_calls", "tool_calls", null));
        assertThat(json(end.getFirst()).at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(end.getLast()).isEqualTo("[DONE]");
        assertThat(chunks.ended()).isTrue();
    }

    @Test
    void anInterruptedStreamNamesTheEventsUrlInBothDialects() {
        ChatCompletionChunks openai = new ChatCompletionChunks("s_1", 1, "m", false, "/v1/sessions/s_1/events");
        assertThat(json(openai.interrupted("the edge is shutting down").getFirst()).at("/error/message").asText())
                .contains("/v1/sessions/s_1/events");
        UiMessageChunks ui = new UiMessageChunks("msg_s_1");
        ui.frames(new TokenEvent.Token("s_1", 2, "Hi"));
        List<String> frames = ui.interrupted("the edge is shutting down");
        assertThat(frames.stream().map(f -> f.equals("[DONE]") ? "[DONE]" : json(f).get("type").asText()))
                .containsExactly("text-end", "error", "[DONE]");
        assertThat(ui.sawTerminal()).isFalse();
    }

    @Test
    void uiToolPartsWithAnOutputBecomeAToolCallAndItsResult() {
        UiChatRequest request = UiChatRequest.of(json("""
                {"id": "c1", "model": "sim-small", "trigger": "submit-message", "messages": [
                  {"id": "u1", "role": "user", "parts": [{"type": "text", "text": "read it"}]},
                  {"id": "a1", "role": "assistant", "parts": [{"type": "step-start"}, {"type": "text", "text": "Reading."},
                    {"type": "tool-read_file", "toolCallId": "call_1", "state": "output-available",
                     "input": {"path": "README.md"}, "output": {"text": "# Rewind"}},
                    {"type": "reasoning", "text": "hidden"}]},
                  {"id": "u2", "role": "user", "parts": [{"type": "text", "text": "and "}, {"type": "text", "text": "then?"}]}]}
                """), null);
        List<ChatMessage> messages = request.messages();
        assertThat(messages).extracting(ChatMessage::role).containsExactly("user", "assistant", "tool", "user");
        assertThat(messages.get(1).content().asText()).isEqualTo("Reading.");
        assertThat(messages.get(1).toolCalls().at("/0/id").asText()).isEqualTo("call_1");
        assertThat(messages.get(1).toolCalls().at("/0/function/name").asText()).isEqualTo("read_file");
        assertThat(json(messages.get(1).toolCalls().at("/0/function/arguments").asText())).isEqualTo(json("{\"path\":\"README.md\"}"));
        assertThat(messages.get(2).toolCallId()).isEqualTo("call_1");
        assertThat(json(messages.get(2).content().asText())).isEqualTo(json("{\"text\":\"# Rewind\"}"));
        assertThat(messages.get(3).content().asText()).isEqualTo("and then?");
        assertThatThrownBy(() -> UiChatRequest.of(json("{\"id\":\"c1\",\"model\":\"m\",\"extra\":1,\"messages\":[]}"), null))
                .isInstanceOf(ProblemException.class).hasMessageContaining("unknown field 'extra'");
    }

    @Test
    void usageOfEveryProviderFormatIsGivenInOpenAisNames() {
        assertThat(Usage.openAi(json("{\"promptTokenCount\":2,\"candidatesTokenCount\":3,\"totalTokenCount\":5}")))
                .hasToString("{\"prompt_tokens\":2,\"completion_tokens\":3,\"total_tokens\":5}");
        assertThat(Usage.openAi(json("{\"prompt_eval_count\":4,\"eval_count\":6}")))
                .hasToString("{\"prompt_tokens\":4,\"completion_tokens\":6,\"total_tokens\":10}");
        assertThat(Usage.openAi(json("{\"something\":1}"))).isNull();
        assertThat(Usage.openAi(null)).isNull();
    }
}
