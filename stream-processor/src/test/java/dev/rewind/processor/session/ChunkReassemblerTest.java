package dev.rewind.processor.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.processor.provider.Extracted;
import dev.rewind.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChunkReassemblerTest {

    private static final int MAX_LINE = 64 * 1024;

    static final String STREAM = """
            data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}

            data: {"choices":[{"index":0,"delta":{"content":"Grüße "}}]}

            : keep-alive

            data: {"choices":[{"index":0,"delta":{"content":"aus 日本 🙂"}}]}

            data: {"choices":[{"index":0,"delta":{"content":" a\u2028b"}}]}

            data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}

            data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}

            data: [DONE]

            """;

    @Test
    void givesIdenticalItemsForTheSameStreamSplitAtEveryBytePosition() {
        byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
        List<Extracted> whole = run(List.of(bytes));
        assertThat(text(whole)).isEqualTo("Grüße aus 日本 🙂 a\u2028b");
        for (int cut = 1; cut < bytes.length; cut++) {
            List<Extracted> split = run(List.of(Arrays.copyOfRange(bytes, 0, cut), Arrays.copyOfRange(bytes, cut, bytes.length)));
            assertThat(split).as("split at byte %d", cut).isEqualTo(whole);
        }
        for (int cut = 1; cut < bytes.length; cut += 7) {
            List<byte[]> three = List.of(Arrays.copyOfRange(bytes, 0, cut / 2), Arrays.copyOfRange(bytes, cut / 2, cut),
                    Arrays.copyOfRange(bytes, cut, bytes.length));
            assertThat(run(three)).as("split at %d and %d", cut / 2, cut).isEqualTo(whole);
        }
    }

    @Test
    void givesIdenticalItemsFedOneByteAtATime() {
        byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
        List<byte[]> single = new ArrayList<>();
        for (byte b : bytes) {
            single.add(new byte[] {b});
        }
        assertThat(run(single)).isEqualTo(run(List.of(bytes)));
    }

    @Test
    void survivesBeingStoredAndRestoredBetweenChunks() {
        byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
        for (int cut : new int[] {1, 17, 80, 95, bytes.length / 2, bytes.length - 3}) {
            ChunkReassembler first = chat(MAX_LINE);
            List<Extracted> items = new ArrayList<>(first.feed(Arrays.copyOfRange(bytes, 0, cut)));
            ChunkReassembler restored = Json.fromBytes(Json.toBytes(first), ChunkReassembler.class);
            items.addAll(restored.feed(Arrays.copyOfRange(bytes, cut, bytes.length)));
            items.addAll(restored.end());
            assertThat(items).as("stored after byte %d", cut).isEqualTo(run(List.of(bytes)));
            assertThat(restored.terminated()).isTrue();
            assertThat(restored.usage().get("total_tokens").asInt()).isEqualTo(7);
        }
    }

    /** Found by the fuzzer: a Responses item id with half a surrogate pair became a field name the store could not read. */
    @Test
    void anUnpairedSurrogateInAProvidersIdNeverMakesTheStoredStateUnreadable() {
        String stream = "data: {\"type\":\"response.output_item.added\",\"output_index\":0,\"item\":{\"type\":\"function_call\","
                + "\"id\":\"fc_\\ud834x\",\"call_id\":\"call_\\udc00\",\"name\":\"f\"}}\n\n"
                + "data: {\"type\":\"response.function_call_arguments.delta\",\"item_id\":\"fc_\\ud834x\",\"delta\":\"{}\"}\n\n";
        ChunkReassembler reassembler = ChunkReassembler.forFormat(dev.rewind.protocol.ProviderFormat.OPENAI_RESPONSES, MAX_LINE);
        List<Extracted> items = new ArrayList<>(reassembler.feed(stream.getBytes(StandardCharsets.UTF_8)));
        ChunkReassembler restored = Json.fromBytes(Json.toBytes(reassembler), ChunkReassembler.class);
        items.addAll(restored.end());
        assertThat(items).noneMatch(Extracted.Malformed.class::isInstance);
        assertThat(items).filteredOn(Extracted.ToolCallFinal.class::isInstance).singleElement()
                .satisfies(item -> assertThat(((Extracted.ToolCallFinal) item).valid()).isTrue());
    }

    @Test
    void splitsOnCrLfAndBareCrIncludingACrAndLfInSeparateChunks() {
        String crlf = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\r\n\r\n"
                + "data: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\r\r"
                + "data: [DONE]\n\n";
        byte[] bytes = crlf.getBytes(StandardCharsets.UTF_8);
        int cr = crlf.indexOf('\r');
        List<Extracted> items = run(List.of(Arrays.copyOfRange(bytes, 0, cr + 1), Arrays.copyOfRange(bytes, cr + 1, bytes.length)));
        assertThat(text(items)).isEqualTo("ab");
        assertThat(items).noneMatch(Extracted.Malformed.class::isInstance);
    }

    @Test
    void stripsOneBomAtTheStartOnly() {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] body = "data: {\"choices\":[{\"delta\":{\"content\":\"\\ufeffx\"}}]}\n\ndata: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[bom.length + body.length];
        System.arraycopy(bom, 0, bytes, 0, 3);
        System.arraycopy(body, 0, bytes, 3, body.length);
        List<Extracted> items = run(List.of(Arrays.copyOfRange(bytes, 0, 2), Arrays.copyOfRange(bytes, 2, bytes.length)));
        assertThat(items).noneMatch(Extracted.Malformed.class::isInstance);
        assertThat(text(items)).isEqualTo("\ufeffx");
    }

    @Test
    void readsFieldsWithoutTheSpaceAndJoinsMultiLineData() {
        String stream = "data:{\"choices\":[{\"delta\":\ndata:{\"content\":\"x\"}}]}\n\ndata: [DONE]\n\n";
        assertThat(text(run(List.of(stream.getBytes(StandardCharsets.UTF_8))))).isEqualTo("x");
    }

    @Test
    void ignoresCommentsUnknownFieldsAndEmptyDataAndKeepsGoingAfterAMalformedFragment() {
        String stream = ": OPENROUTER PROCESSING\n:\n\nretry: 10\nfoo: bar\n\ndata\n\n"
                + "data: not json at all\n\n"
                + "data: {\"choices\": 5}\n\ndata: 42\n\n"
                + "data: {\"choices\":[{\"delta\":{\"content\":\"still here\"}}],\"obfuscation\":\"xyz\"}\n\n"
                + "data: [DONE]\n\n";
        List<Extracted> items = run(List.of(stream.getBytes(StandardCharsets.UTF_8)));
        assertThat(items).filteredOn(Extracted.Malformed.class::isInstance)
                .extracting(i -> ((Extracted.Malformed) i).reason())
                .containsExactly("not-json", "choices-not-an-array", "not-an-object");
        assertThat(text(items)).isEqualTo("still here");
    }

    @Test
    void dispatchesACompleteLastEventWithoutItsBlankLine() {
        ChunkReassembler reassembler = chat(MAX_LINE);
        reassembler.feed("data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\ndata: [DONE]\n".getBytes(StandardCharsets.UTF_8));
        assertThat(reassembler.terminated()).isFalse();
        reassembler.end();
        assertThat(reassembler.terminated()).isTrue();
    }

    @Test
    void discardsAnIncompleteLastEventAndReportsNoTermination() {
        ChunkReassembler reassembler = chat(MAX_LINE);
        List<Extracted> items = new ArrayList<>(reassembler.feed(
                "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\ndata: {\"choices\":[{\"del".getBytes(StandardCharsets.UTF_8)));
        items.addAll(reassembler.end());
        assertThat(text(items)).isEqualTo("x");
        assertThat(reassembler.terminated()).isFalse();
    }

    @Test
    void dropsAnOversizedLineWithoutKeepingItsBytes() {
        ChunkReassembler reassembler = chat(1024);
        List<Extracted> items = new ArrayList<>();
        String big = "data: {\"choices\":[{\"delta\":{\"content\":\"" + "x".repeat(5000) + "\"}}]}";
        byte[] bytes = big.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += 300) {
            items.addAll(reassembler.feed(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + 300))));
            assertThat(Json.toBytes(reassembler).length).isLessThan(4096);
        }
        items.addAll(reassembler.feed("\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}\n\ndata: [DONE]\n\n"
                .getBytes(StandardCharsets.UTF_8)));
        assertThat(items).filteredOn(Extracted.Malformed.class::isInstance)
                .extracting(i -> ((Extracted.Malformed) i).reason()).containsExactly("line-too-long");
        assertThat(text(items)).isEqualTo("ok");
    }

    @Test
    void dropsAnEventThatGrowsPastTheLimitWithTheRestOfItsLinesAndGoesOnWithTheNext() {
        ChunkReassembler reassembler = chat(1024);
        StringBuilder stream = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            stream.append("data: ").append("y".repeat(100)).append('\n'); // 2,000 characters in one event
        }
        stream.append("\ndata: {\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}\n\ndata: [DONE]\n\n");
        List<Extracted> items = new ArrayList<>(reassembler.feed(stream.toString().getBytes(StandardCharsets.UTF_8)));
        items.addAll(reassembler.end());
        assertThat(items).filteredOn(Extracted.Malformed.class::isInstance)
                .extracting(i -> ((Extracted.Malformed) i).reason()).containsExactly("event-too-long");
        assertThat(text(items)).isEqualTo("ok");
        assertThat(reassembler.terminated()).isTrue();
    }

    @Test
    void reportsAnInBandErrorAndKeepsIdAndNameOfInterleavedToolCalls() {
        String stream = "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":3,\"id\":\"call_x\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\"\"}}]}}]}\n\n"
                + "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":3,\"id\":null,\"function\":{\"name\":null,\"arguments\":\":1}\"}}]}}]}\n\n"
                + "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n";
        List<Extracted> items = run(List.of(stream.getBytes(StandardCharsets.UTF_8)));
        assertThat(items).filteredOn(Extracted.ToolCallFinal.class::isInstance).singleElement().satisfies(item -> {
            Extracted.ToolCallFinal call = (Extracted.ToolCallFinal) item;
            assertThat(call.index()).isZero();
            assertThat(call.providerIndex()).isEqualTo(3);
            assertThat(call.id()).isEqualTo("call_x");
            assertThat(call.name()).isEqualTo("f");
            assertThat(call.arguments().get("a").asInt()).isEqualTo(1);
        });
        assertThat(items).contains(new Extracted.UpstreamError("server_error", "overloaded"));
    }

    @Test
    void keepsABomThatIsNotAtTheStreamStart() {
        String stream = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"
                + "\uFEFFdata: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\n"
                + "data: [DONE]\n\n";
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        int bom = stream.indexOf('\uFEFF');
        List<Extracted> items = run(List.of(Arrays.copyOfRange(bytes, 0, bom), Arrays.copyOfRange(bytes, bom, bytes.length)));
        assertThat(text(items)).as("a BOM mid-stream makes the field name unknown, so that event has no data").isEqualTo("a");
    }

    @Test
    void carriesAMultiByteCharacterSplitAcrossChunks() {
        byte[] bytes = "data: {\"choices\":[{\"delta\":{\"content\":\"🙂\"}}]}\n\n".getBytes(StandardCharsets.UTF_8);
        int emoji = "data: {\"choices\":[{\"delta\":{\"content\":\"".length();
        List<Extracted> items = run(List.of(Arrays.copyOfRange(bytes, 0, emoji + 1), Arrays.copyOfRange(bytes, emoji + 1, emoji + 3),
                Arrays.copyOfRange(bytes, emoji + 3, bytes.length)));
        assertThat(text(items)).isEqualTo("🙂");
    }

    @Test
    void dispatchesADoneThatEndsTheStreamWithoutAnyLineBreak() {
        ChunkReassembler reassembler = chat(MAX_LINE);
        List<Extracted> items = new ArrayList<>(reassembler.feed(
                "data: {\"choices\":[{\"delta\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]".getBytes(StandardCharsets.UTF_8)));
        items.addAll(reassembler.end());
        assertThat(text(items)).isEqualTo("x");
        assertThat(reassembler.terminated()).isTrue();
        assertThat(reassembler.eventCount()).isEqualTo(2);
    }

    @Test
    void reportsChunksOfTheWrongShapeAsMalformedAndGoesOn() {
        String stream = "data: {\"choices\":[{\"delta\":{\"tool_calls\":{\"index\":0}}}]}\n\n"
                + "data: {\"choices\":[{\"delta\":{\"tool_calls\":[7]}}]}\n\n"
                + "data: {\"choices\":[{\"delta\":\"text\"}]}\n\n"
                + "data: {\"choices\":[3]}\n\n"
                + "data: {\"choices\":[{\"delta\":{\"content\":\"fine\"}}]}\n\n"
                + "data: [DONE]\n\n";
        List<Extracted> items = run(List.of(stream.getBytes(StandardCharsets.UTF_8)));
        assertThat(items).filteredOn(Extracted.Malformed.class::isInstance)
                .extracting(i -> ((Extracted.Malformed) i).reason())
                .containsExactly("wrong-shape", "wrong-shape", "wrong-shape", "wrong-shape");
        assertThat(text(items)).isEqualTo("fine");
    }

    static ChunkReassembler chat(int maxLineBytes) {
        return ChunkReassembler.forFormat(dev.rewind.protocol.ProviderFormat.OPENAI_CHAT, maxLineBytes);
    }

    static List<Extracted> run(List<byte[]> chunks) {
        ChunkReassembler reassembler = chat(MAX_LINE);
        List<Extracted> items = new ArrayList<>();
        chunks.forEach(chunk -> items.addAll(reassembler.feed(chunk)));
        items.addAll(reassembler.end());
        return items;
    }

    static String text(List<Extracted> items) {
        StringBuilder text = new StringBuilder();
        items.stream().filter(Extracted.Text.class::isInstance).forEach(i -> text.append(((Extracted.Text) i).text()));
        return text.toString();
    }
}
