package dev.rewind.ingest.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.protocol.ProviderFormat;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How ingest judges an attempt's end from raw bytes, for every format, whatever the reads' boundaries. */
class StreamOutcomeTest {

    private static final String OLLAMA_DONE = """
            {"model":"llama3.2","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":"Hi"},"done":false}
            {"model":"llama3.2","created_at":"2026-01-01T00:00:01Z","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"total_duration":123,"eval_count":2}
            """;
    private static final String OLLAMA_DONE_IN_ARGUMENTS = """
            {"model":"m","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"f","arguments":{"done":true}}}]},"done":false}
            {"model":"m","message":{"role":"assistant","content":"the \\"done\\":true text"},"done":false}
            """;
    private static final String GEMINI_DONE = "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hi\"}],"
            + "\"role\": \"model\"},\"index\": 0}]}\r\n\r\n"
            + "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"!\"}],\"role\": \"model\"},"
            + "\"finishReason\": \"STOP\",\"index\": 0}],\"usageMetadata\": {\"totalTokenCount\": 9}}\r\n\r\n";

    @ParameterizedTest(name = "{0}: {3}")
    @CsvSource(delimiter = '|', textBlock = """
            OPENAI_CHAT      | true  | false | 'data: {"choices":[]}\\n\\ndata: [DONE]\\n\\n'
            OPENAI_CHAT      | false | false | 'data: {"choices":[]}\\n\\n'
            OPENAI_CHAT      | false | true  | 'data: {"error": {"message": "overloaded"}}\\n\\n'
            ANTHROPIC        | true  | false | 'event: message_stop\\ndata: {"type":"message_stop"}\\n\\n'
            ANTHROPIC        | false | true  | 'event: error\\ndata: {"type":"error"}\\n\\n'
            OPENAI_RESPONSES | true  | false | 'event: response.completed\\ndata: {}\\n\\n'
            OLLAMA           | false | false | '{"model":"m","message":{"content":"x"},"done":false}\\n'
            OLLAMA           | true  | false | '{"model":"m","message":{"content":"x"}, "done" : true}'
            OLLAMA           | false | true  | '{"error":"model runner has unexpectedly stopped"}\\n'
            GEMINI           | false | false | 'data: {"candidates": [{"content": {"parts": [{"text": "Hi"}]}}]}\\r\\n\\r\\n'
            GEMINI           | true  | false | 'data: {"promptFeedback": {"blockReason": "SAFETY"}}\\r\\n\\r\\n'
            GEMINI           | false | true  | 'data: {"error": {"code": 503, "status": "UNAVAILABLE"}}\\r\\n\\r\\n'
            """)
    void judgesTheStreamWhereverItIsSplit(ProviderFormat format, boolean terminated, boolean error, String escaped) {
        assertJudged(format, escaped.replace("\\n", "\n").replace("\\r", "\r"), terminated, error);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"OLLAMA", "GEMINI"})
    void recognisesTheRealEndOfOllamaAndGeminiStreams(ProviderFormat format) {
        assertJudged(format, format == ProviderFormat.OLLAMA ? OLLAMA_DONE : GEMINI_DONE, true, false);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"OLLAMA"})
    void aToolArgumentOrTextNamedDoneDoesNotEndAnOllamaStream(ProviderFormat format) {
        assertJudged(format, OLLAMA_DONE_IN_ARGUMENTS, false, false);
    }

    /** Every way of cutting the bytes into two reads, and byte by byte, gives the same judgement. */
    private static void assertJudged(ProviderFormat format, String stream, boolean terminated, boolean error) {
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        for (int cut = 0; cut <= bytes.length; cut++) {
            StreamOutcome outcome = new StreamOutcome(format);
            outcome.feed(bytes, cut);
            byte[] rest = java.util.Arrays.copyOfRange(bytes, cut, bytes.length);
            outcome.feed(rest, rest.length);
            outcome.end();
            assertThat(outcome.terminated()).as("terminated, cut at %d", cut).isEqualTo(terminated);
            assertThat(outcome.upstreamError()).as("in-band error, cut at %d", cut).isEqualTo(error);
        }
        StreamOutcome byteByByte = new StreamOutcome(format);
        for (byte b : bytes) {
            byteByByte.feed(new byte[] {b}, 1);
        }
        byteByByte.end();
        assertThat(byteByByte.terminated()).isEqualTo(terminated);
        assertThat(byteByByte.upstreamError()).isEqualTo(error);
    }
}
