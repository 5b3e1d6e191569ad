package dev.rewind.processor.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.processor.provider.Extracted;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.ProviderFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Determinism under re-chunking (DESIGN §6.4): any split of any stream — recordings, llm-sim output,
 * generated streams in all five formats — into reads of any size, with the reassembler stored and
 * restored between reads as the processor does, gives exactly the items of the whole stream.
 */
class ReChunkingProperties {

    static final int MAX_LINE = 1 << 20;

    @Property(tries = 300)
    void anyReChunkingOfARecordedOrSimulatedStreamGivesIdenticalItems(
            @ForAll("corpus") StreamCorpus.Entry stream,
            @ForAll @Size(min = 1, max = 30) List<@IntRange(min = 1, max = 200) Integer> readSizes,
            @ForAll boolean storeBetweenReads) {
        assertThat(run(stream.format(), stream.bytes(), readSizes, storeBetweenReads))
                .isEqualTo(run(stream.format(), stream.bytes(), List.of(stream.bytes().length), false));
    }

    @Property(tries = 250)
    void anyReChunkingOfAGeneratedStreamGivesIdenticalItemsAndTheScriptBack(
            @ForAll("generated") GeneratedStream stream,
            @ForAll @Size(min = 1, max = 30) List<@IntRange(min = 1, max = 64) Integer> readSizes,
            @ForAll boolean storeBetweenReads) {
        Result whole = run(stream.format(), stream.bytes(), List.of(stream.bytes().length), false);
        assertThat(run(stream.format(), stream.bytes(), readSizes, storeBetweenReads)).isEqualTo(whole);

        assertThat(whole.items()).noneMatch(Extracted.Malformed.class::isInstance);
        assertThat(joined(whole.items(), Extracted.Text.class)).isEqualTo(stream.text());
        assertThat(joined(whole.items(), Extracted.Reasoning.class)).isEqualTo(stream.reasoning());
        assertThat(whole.items().stream().filter(Extracted.ToolCallFinal.class::isInstance)
                .map(i -> ((Extracted.ToolCallFinal) i).arguments()).toList()).isEqualTo(stream.callArguments());
        assertThat(whole.terminated()).isTrue();
    }

    @Provide
    Arbitrary<StreamCorpus.Entry> corpus() {
        return Arbitraries.of(StreamCorpus.all());
    }

    @Provide
    Arbitrary<GeneratedStream> generated() {
        Arbitrary<ProviderFormat> formats = Arbitraries.of(ProviderFormat.values());
        Arbitrary<String> lineEnds = Arbitraries.of("\n", "\r\n", "\r");
        return Combinators.combine(formats, parts().list().ofMaxSize(8), lineEnds, Arbitraries.of(true, false))
                .as(GeneratedStream::write);
    }

    /** Text with what breaks naive parsers: multi-byte and 4-byte characters, U+2028, quotes, backslashes, newlines. */
    static Arbitrary<String> tricky() {
        return Arbitraries.strings().withChars("ab zé日\u2028\"\\\n\r\t{}[]:,")
                .withCharRange('\u0020', '\u007e').ofMinLength(1).ofMaxLength(12)
                .edgeCases(edges -> edges.add("🙂")).injectDuplicates(0.05)
                .map(s -> s.length() % 3 == 0 ? s + "🙂" : s);
    }

    static Arbitrary<GeneratedStream.Part> parts() {
        Arbitrary<JsonNode> arguments = Combinators.combine(tricky(), Arbitraries.integers().between(-5000, 5000),
                Arbitraries.of(true, false)).as((s, n, flag) -> {
                    com.fasterxml.jackson.databind.node.ObjectNode args = Json.MAPPER.createObjectNode().put("text", s).put("n", n);
                    args.putArray("list").add(flag).addNull().add(n * 0.5);
                    return args;
                });
        return Arbitraries.oneOf(
                tricky().map(GeneratedStream.Text::new),
                tricky().map(GeneratedStream.Reasoning::new),
                Combinators.combine(Arbitraries.of("read_file", "get_weather"), arguments,
                        Arbitraries.integers().between(0, 200).list().ofMaxSize(6)).as(GeneratedStream.Call::new));
    }

    record Result(List<Extracted> items, boolean terminated, String finishReason, JsonNode usage, long events) {}

    /** Feeds {@code bytes} in reads of the given sizes (cycled), optionally through the store's JSON between reads. */
    static Result run(ProviderFormat format, byte[] bytes, List<Integer> readSizes, boolean storeBetweenReads) {
        ChunkReassembler reassembler = ChunkReassembler.forFormat(format, MAX_LINE);
        List<Extracted> items = new ArrayList<>();
        int at = 0;
        for (int read = 0; at < bytes.length; read++) {
            int size = readSizes.get(read % readSizes.size());
            items.addAll(reassembler.feed(Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + size))));
            at += size;
            if (storeBetweenReads) {
                reassembler = Json.fromBytes(Json.toBytes(reassembler), ChunkReassembler.class);
            }
        }
        items.addAll(reassembler.end());
        return new Result(items, reassembler.terminated(), reassembler.finishReason(), reassembler.usage(), reassembler.eventCount());
    }

    static String joined(List<Extracted> items, Class<? extends Extracted> type) {
        StringBuilder text = new StringBuilder();
        for (Extracted item : items) {
            if (type.isInstance(item)) {
                text.append(item instanceof Extracted.Text t ? t.text() : ((Extracted.Reasoning) item).text());
            }
        }
        return text.toString();
    }
}
