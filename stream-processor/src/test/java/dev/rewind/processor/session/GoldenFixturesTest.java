package dev.rewind.processor.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.processor.provider.Extracted;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.ProviderFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Recorded provider streams with the output each must produce: the project's own fixtures, and the
 * shared recordings read in place from {@code ../shared/fixtures} whenever that folder exists.
 */
class GoldenFixturesTest {

    /** Fixture folders by the provider format their streams are in. */
    static final Map<String, ProviderFormat> FORMATS = Map.of(
            "openai-chat", ProviderFormat.OPENAI_CHAT,
            "anthropic", ProviderFormat.ANTHROPIC,
            "openai-responses", ProviderFormat.OPENAI_RESPONSES,
            "ollama", ProviderFormat.OLLAMA,
            "gemini", ProviderFormat.GEMINI);

    @TestFactory
    Stream<DynamicTest> ownFixtures() throws IOException {
        return fixtures(Path.of("src/test/resources/fixtures"));
    }

    @TestFactory
    Stream<DynamicTest> sharedRecordings() throws IOException {
        Path shared = SharedFixtures.dir();
        Assumptions.assumeTrue(shared != null, "../shared/fixtures is not present");
        return fixtures(shared);
    }

    private static Stream<DynamicTest> fixtures(Path root) throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, ProviderFormat> folder : new TreeMap<>(FORMATS).entrySet()) {
            Path dir = root.resolve(folder.getKey());
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(GoldenFixturesTest::isStream).sorted().forEach(sse -> tests.add(DynamicTest.dynamicTest(
                        folder.getKey() + "/" + sse.getFileName(), () -> check(sse, folder.getValue()))));
            }
        }
        assertThat(tests).isNotEmpty();
        return tests.stream();
    }

    /** A recorded body: SSE, or NDJSON for Ollama. */
    static boolean isStream(Path file) {
        return file.toString().endsWith(".sse") || file.toString().endsWith(".ndjson");
    }

    private static void check(Path sse, ProviderFormat format) throws IOException {
        byte[] bytes = Files.readAllBytes(sse);
        String name = sse.getFileName().toString();
        JsonNode expected = Json.MAPPER.readTree(sse.resolveSibling(name.substring(0, name.lastIndexOf('.')) + ".expected.json").toFile());
        for (int pieces : new int[] {1, 2, 7, 64}) {
            ChunkReassembler reassembler = ChunkReassembler.forFormat(format, 1 << 20);
            List<Extracted> items = new ArrayList<>();
            int size = Math.max(1, bytes.length / pieces);
            for (int i = 0; i < bytes.length; i += size) {
                items.addAll(reassembler.feed(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + size))));
            }
            items.addAll(reassembler.end());

            assertThat(ChunkReassemblerTest.text(items)).isEqualTo(expected.get("text").asText());
            assertThat(joined(items, Extracted.Reasoning.class)).isEqualTo(expected.get("reasoning").asText());
            assertThat(toolCalls(items)).isEqualTo(expectedToolCalls(expected.get("tool_calls")));
            assertThat(reassembler.finishReason()).isEqualTo(expected.get("finish_reason").isNull() ? null : expected.get("finish_reason").asText());
            if (expected.has("normalised_finish_reason")) {
                assertThat(reassembler.normalisedFinishReason()).isEqualTo(expected.get("normalised_finish_reason").asText());
            }
            assertThat(reassembler.usage()).isEqualTo(expected.get("usage").isNull() ? null : expected.get("usage"));
            assertThat(reassembler.terminated()).isEqualTo(expected.get("terminated").asBoolean());
            assertThat(reassembler.eventCount()).isEqualTo(expected.get("event_count").asLong());
            List<Extracted.UpstreamError> errors = items.stream()
                    .filter(Extracted.UpstreamError.class::isInstance).map(Extracted.UpstreamError.class::cast).toList();
            if (expected.get("error").isNull()) {
                assertThat(errors).isEmpty();
            } else {
                assertThat(errors).singleElement().satisfies(e -> {
                    assertThat(e.message()).isEqualTo(expected.at("/error/message").asText());
                    assertThat(e.code()).isEqualTo(expected.at("/error/type").asText());
                });
            }
            assertThat(items).noneMatch(Extracted.Malformed.class::isInstance);
            assertThat(items).filteredOn(Extracted.ToolCallFinal.class::isInstance)
                    .as("every recorded call ends with complete JSON arguments")
                    .allMatch(item -> ((Extracted.ToolCallFinal) item).valid());
        }
    }

    private static String joined(List<Extracted> items, Class<Extracted.Reasoning> type) {
        StringBuilder text = new StringBuilder();
        items.stream().filter(type::isInstance).forEach(i -> text.append(type.cast(i).text()));
        return text.toString();
    }

    /** provider index (the normalised one where the provider has none) → {id, name, arguments joined exactly as streamed}. */
    private static Map<Integer, List<String>> toolCalls(List<Extracted> items) {
        Map<Integer, List<String>> calls = new TreeMap<>();
        Map<Integer, StringBuilder> arguments = new TreeMap<>();
        for (Extracted item : items) {
            if (item instanceof Extracted.ToolCallDelta delta) {
                int key = delta.providerIndex() != null ? delta.providerIndex() : delta.index();
                arguments.computeIfAbsent(key, k -> new StringBuilder()).append(delta.argumentsDelta());
            }
            if (item instanceof Extracted.ToolCallFinal last) {
                calls.put(last.providerIndex() != null ? last.providerIndex() : last.index(), Arrays.asList(last.id(), last.name()));
            }
        }
        Map<Integer, List<String>> result = new TreeMap<>();
        calls.forEach((index, idName) -> result.put(index, Arrays.asList(idName.get(0), idName.get(1), arguments.get(index).toString())));
        return result;
    }

    private static Map<Integer, List<String>> expectedToolCalls(JsonNode calls) {
        Map<Integer, List<String>> result = new TreeMap<>();
        calls.forEach(c -> result.put(c.get("index").asInt(),
                Arrays.asList(c.get("id").textValue(), c.get("name").textValue(), c.get("arguments").textValue())));
        return result;
    }
}
