package dev.rewind.processor.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.processor.provider.Extracted;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.ProviderFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The edge cases of WIRE-FORMATS §7, one nested class per item (E1 = §7.1 …). The byte-level ones
 * (§7.1–7.4) are also in {@link ChunkReassemblerTest} and {@code SseSpecExamplesTest}; §7.10 (status
 * and content type checked before parsing) is a topology matter, in
 * {@code ProcessorTopologyTest.aFailedSessionEndsWithOneErrorCarryingTheMarkersCodeAndReason}; and
 * every one of them holds under any re-chunking ({@link ReChunkingProperties}).
 */
class WireFormatEdgeCasesTest {

    @Nested
    class E1SplitOnRawBytesBeforeDecoding {
        @Test
        void aLineSeparatorInsideJsonIsNotALineBreakAndACharacterSplitAcrossReadsIsWhole() {
            String stream = "data: {\"choices\":[{\"delta\":{\"content\":\"a\u2028b\u0085c 🙂\"}}]}\n\ndata: [DONE]\n\n";
            byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
            int emoji = stream.indexOf("🙂");
            int at = stream.substring(0, emoji).getBytes(StandardCharsets.UTF_8).length + 2; // inside the emoji's 4 bytes
            List<Extracted> items = run(ProviderFormat.OPENAI_CHAT, slice(bytes, 0, at), slice(bytes, at, bytes.length));
            assertThat(ChunkReassemblerTest.text(items)).isEqualTo("a\u2028b\u0085c 🙂");
        }
    }

    @Nested
    class E2LineEndings {
        @Test
        void geminiCrLfStreamsAndACrAndLfInSeparateReadsAreOneLineEnding() {
            String stream = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}]},\"finishReason\":\"STOP\"}]}\r\n\r\n";
            byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
            int cr = stream.indexOf('\r');
            List<Extracted> items = run(ProviderFormat.GEMINI, slice(bytes, 0, cr + 1), slice(bytes, cr + 1, bytes.length));
            assertThat(ChunkReassemblerTest.text(items)).isEqualTo("x");
            assertThat(items).noneMatch(Extracted.Malformed.class::isInstance);
        }

        @Test
        void ndjsonLinesMayEndInCrLf() {
            List<Extracted> items = run(ProviderFormat.OLLAMA, ("{\"message\":{\"content\":\"a\"},\"done\":false}\r\n"
                    + "{\"message\":{\"content\":\"b\"},\"done\":true}\r\n").getBytes(StandardCharsets.UTF_8));
            assertThat(ChunkReassemblerTest.text(items)).isEqualTo("ab");
        }
    }

    @Nested
    class E3BomAndFieldSyntax {
        @Test
        void anNdjsonStreamLosesOneBomAtItsStartOnly() {
            byte[] body = "\uFEFF{\"message\":{\"content\":\"a\"}}\n\uFEFF{\"message\":{\"content\":\"b\"}}\n".getBytes(StandardCharsets.UTF_8);
            List<Extracted> items = run(ProviderFormat.OLLAMA, body);
            assertThat(ChunkReassemblerTest.text(items)).isEqualTo("a");
            assertThat(items).filteredOn(Extracted.Malformed.class::isInstance).hasSize(1);
        }
    }

    @Nested
    class E4CommentsKeepAlivesAndNonJson {
        @Test
        void keepAliveDataAndCommentsAreIgnoredAndNonJsonIsAMalformedFragmentInEveryFormat() {
            for (ProviderFormat format : List.of(ProviderFormat.ANTHROPIC, ProviderFormat.OPENAI_RESPONSES, ProviderFormat.GEMINI)) {
                List<Extracted> items = run(format, ": ping\n\ndata:\n\ndata: {oops\n\n".getBytes(StandardCharsets.UTF_8));
                assertThat(items).as("%s", format).containsExactly(new Extracted.Malformed("not-json", "{oops"));
            }
            assertThat(run(ProviderFormat.OLLAMA, "\n{oops\n[1]\n".getBytes(StandardCharsets.UTF_8)))
                    .containsExactly(new Extracted.Malformed("not-json", "{oops"), new Extracted.Malformed("not-an-object", "[1]"));
        }
    }

    @Nested
    class E5ErrorsInsideA200Stream {
        @Test
        void anthropicErrorEventsAndOllamaErrorLinesAndGeminiErrorObjectsAreInBandErrors() {
            assertThat(run(ProviderFormat.ANTHROPIC, ("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
                    + "\"message\":\"Overloaded\"}}\n\n").getBytes(StandardCharsets.UTF_8)))
                    .containsExactly(new Extracted.UpstreamError("overloaded_error", "Overloaded"));
            assertThat(run(ProviderFormat.OLLAMA, "{\"error\":\"model crashed\"}\n".getBytes(StandardCharsets.UTF_8)))
                    .containsExactly(new Extracted.UpstreamError("upstream_error", "model crashed"));
            assertThat(run(ProviderFormat.GEMINI, "data: {\"error\":{\"code\":429,\"message\":\"quota\",\"status\":\"RESOURCE_EXHAUSTED\"}}\r\n\r\n"
                    .getBytes(StandardCharsets.UTF_8))).containsExactly(new Extracted.UpstreamError("RESOURCE_EXHAUSTED", "quota"));
        }

        @Test
        void oldLlamaCppsBareErrorFieldIsAnUnknownFieldAndIgnored() {
            List<Extracted> items = run(ProviderFormat.OPENAI_CHAT, "error: {\"message\":\"x\"}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}\n\n"
                    .getBytes(StandardCharsets.UTF_8));
            assertThat(items).containsExactly(new Extracted.Text("ok"));
        }
    }

    @Nested
    class E6TerminationDiffersByProvider {
        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', value = {
            "OPENAI_CHAT      | data: {\"choices\":[{\"delta\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}]}\\n\\n | data: [DONE]\\n\\n",
            "ANTHROPIC        | event: message_delta\\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"}}\\n\\n | event: message_stop\\ndata: {\"type\":\"message_stop\"}\\n\\n",
            "OPENAI_RESPONSES | data: {\"type\":\"response.output_text.delta\",\"delta\":\"x\"}\\n\\n | data: {\"type\":\"response.completed\",\"response\":{\"status\":\"completed\"}}\\n\\n",
            "OLLAMA           | {\"message\":{\"content\":\"x\"},\"done\":false}\\n | {\"message\":{\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\"}\\n",
            "GEMINI           | data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}]}}]}\\r\\n\\r\\n | data: {\"candidates\":[{\"finishReason\":\"STOP\"}]}\\r\\n\\r\\n",
        })
        void endOfStreamBeforeTheTerminalMarkerIsTruncation(ProviderFormat format, String body, String terminal) {
            byte[] cut = body.replace("\\n", "\n").replace("\\r", "\r").getBytes(StandardCharsets.UTF_8);
            byte[] whole = (body + terminal).replace("\\n", "\n").replace("\\r", "\r").getBytes(StandardCharsets.UTF_8);
            assertThat(reassembled(format, cut).terminated()).as("without the marker").isFalse();
            assertThat(reassembled(format, whole).terminated()).as("with the marker").isTrue();
        }
    }

    @Nested
    class E7EmptyChoicesAndUnknownFields {
        @Test
        void emptyChoicesAndUnknownFieldsAreFine() {
            List<Extracted> items = run(ProviderFormat.OPENAI_CHAT, ("data: {\"id\":\"\",\"created\":0,\"choices\":[],\"prompt_filter_results\":[]}\n\n"
                    + "data: {\"choices\":[{\"delta\":{\"content\":\"ok\"},\"content_filter_results\":{},\"moderation\":{}}],\"obfuscation\":\"q\"}\n\n")
                    .getBytes(StandardCharsets.UTF_8));
            assertThat(items).containsExactly(new Extracted.Text("ok"));
        }
    }

    @Nested
    class E8ToolCallsKeyedByChoiceAndIndex {
        @Test
        void callsOfDifferentChoicesWithTheSameToolIndexAreDifferentCallsNumberedInOrderOfAppearance() {
            List<Extracted> items = run(ProviderFormat.OPENAI_CHAT, ("data: {\"choices\":[{\"index\":1,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"b\",\"function\":{\"name\":\"g\",\"arguments\":\"{}\"}}]}},"
                    + "{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"a\",\"function\":{\"name\":\"f\",\"arguments\":\"[\"}}]}}]}\n\n"
                    + "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":null,\"function\":{\"name\":null,\"arguments\":\"1]\"}}]}}]}\n\n"
                    + "data: [DONE]\n\n").getBytes(StandardCharsets.UTF_8));
            assertThat(items).filteredOn(Extracted.ToolCallFinal.class::isInstance).containsExactly(
                    new Extracted.ToolCallFinal(0, 0, "b", "g", Json.MAPPER.createObjectNode(), true),
                    new Extracted.ToolCallFinal(1, 0, "a", "f", Json.MAPPER.createArrayNode().add(1), true));
        }
    }

    @Nested
    class E9AnthropicUsagePaddingAndDuplicateStart {
        @Test
        void aDuplicateMessageStartMergesUsageAndKeepsTheText() {
            String start = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}   }\n\n";
            ChunkReassembler reassembler = reassembled(ProviderFormat.ANTHROPIC, (start
                    + "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
                    + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}     }\n\n"
                    + start
                    + "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":9}}\n\n"
                    + "data: {\"type\":\"message_stop\"}\n\n").getBytes(StandardCharsets.UTF_8));
            assertThat(reassembler.usage()).isEqualTo(Json.MAPPER.createObjectNode().put("input_tokens", 5).put("output_tokens", 9));
            assertThat(reassembler.terminated()).isTrue();
        }
    }

    @Nested
    class E11Normalisation {
        @Test
        void refusalDeltasAreRefusalsAndProviderIndexesAreNumberedFromZero() {
            List<Extracted> items = run(ProviderFormat.OPENAI_CHAT, ("data: {\"choices\":[{\"delta\":{\"refusal\":\"I can't\"}}]}\n\n"
                    + "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":7,\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}}]}\n\n")
                    .getBytes(StandardCharsets.UTF_8));
            assertThat(items.getFirst()).isEqualTo(new Extracted.Refusal("I can't"));
            assertThat(items.get(1)).isEqualTo(new Extracted.ToolCallDelta(0, 7, "c", "f", "{}", null));
        }

        @ParameterizedTest(name = "{0} -> {1}")
        @CsvSource({"STOP,stop", "MAX_TOKENS,length", "SAFETY,content_filter", "RECITATION,content_filter",
            "BLOCKLIST,content_filter", "PROHIBITED_CONTENT,content_filter", "SPII,content_filter", "end_turn,stop",
            "max_tokens,length", "tool_use,tool_calls", "function_call,tool_calls", "refusal,content_filter",
            "model_context_window_exceeded,length", "length,length", "stop,stop", "pause_turn,stop"})
        void finishReasonsAreNormalised(String provider, String normalised) {
            assertThat(dev.rewind.processor.provider.FinishReasons.normalise(provider, false)).isEqualTo(normalised);
        }

        @Test
        void aNormalStopAfterToolCallsIsToolCalls() {
            assertThat(dev.rewind.processor.provider.FinishReasons.normalise("STOP", true)).isEqualTo("tool_calls");
            assertThat(dev.rewind.processor.provider.FinishReasons.normalise("MAX_TOKENS", true)).isEqualTo("length");
        }
    }

    private static ChunkReassembler reassembled(ProviderFormat format, byte[]... reads) {
        ChunkReassembler reassembler = ChunkReassembler.forFormat(format, 1 << 16);
        for (byte[] read : reads) {
            reassembler.feed(read);
        }
        reassembler.end();
        return reassembler;
    }

    private static List<Extracted> run(ProviderFormat format, byte[]... reads) {
        ChunkReassembler reassembler = ChunkReassembler.forFormat(format, 1 << 16);
        List<Extracted> items = new ArrayList<>();
        for (byte[] read : reads) {
            items.addAll(reassembler.feed(read));
        }
        items.addAll(reassembler.end());
        return items;
    }

    private static byte[] slice(byte[] bytes, int from, int to) {
        return java.util.Arrays.copyOfRange(bytes, from, to);
    }
}
