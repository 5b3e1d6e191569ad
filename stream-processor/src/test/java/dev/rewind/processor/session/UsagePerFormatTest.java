package dev.rewind.processor.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.usage.TokenUsage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Each provider's own usage report, read from recorded streams, in Rewind's names: input with its
 * cached part, output with its reasoning part. The shared recordings are read in place whenever
 * {@code ../shared/fixtures} exists; Ollama and Gemini come from the project's own fixtures.
 */
class UsagePerFormatTest {

    private static Optional<TokenUsage> reported(Long input, Long output, Long reasoning, Long cached) {
        return Optional.of(TokenUsage.reported(input, output, reasoning, cached));
    }

    /** The stream reported no usage. */
    private static final Optional<TokenUsage> NONE = Optional.empty();

    /** Shared recording → its usage, worked out by hand from the stream. */
    private static final Map<String, Optional<TokenUsage>> SHARED = Map.ofEntries(
            Map.entry("openai-chat/single-builtin-tool.sse", reported(60L, 15L, 0L, 0L)),
            // usage in the same chunk as the finish reason, only cached_tokens in the details
            Map.entry("openai-chat/tool-call-no-preamble.sse", reported(25716L, 65L, null, 20470L)),
            Map.entry("openai-chat/midstream-error.sse", NONE),
            Map.entry("openai-responses/simple.sse", reported(11L, 18L, 0L, 0L)),
            Map.entry("openai-responses/function-call.sse", reported(58L, 18L, 0L, 0L)),
            Map.entry("openai-responses/stream-error.sse", NONE),
            Map.entry("anthropic/simple.sse", reported(18L, 240L, null, 0L)),
            // 2 uncached + 22 written to the cache + 13,993 read from it
            Map.entry("anthropic/single-tool-use.sse", reported(14017L, 61L, null, 13993L)),
            // an error before any message_delta: message_start's counts
            Map.entry("anthropic/midstream-error.sse", reported(18L, 1L, null, 0L)),
            Map.entry("anthropic/prism-extended-thinking.sse", reported(42L, 289L, null, 0L)));

    private static final Map<String, Optional<TokenUsage>> OWN = Map.ofEntries(
            // candidatesTokenCount leaves the 12 thoughts out; output is both
            Map.entry("gemini/thinking-function-call.sse", reported(40L, 26L, 12L, null)),
            Map.entry("gemini/text.sse", reported(8L, 7L, null, null)),
            Map.entry("gemini/blocked-prompt.sse", reported(7L, null, null, null)),
            Map.entry("ollama/chat-text.ndjson", reported(26L, 4L, null, null)),
            Map.entry("ollama/truncated.ndjson", NONE),
            Map.entry("openai-chat/interleaved-tools.sse", reported(9L, 12L, null, null)));

    @TestFactory
    Stream<DynamicTest> sharedRecordingsReportTheirUsageInRewindsNames() {
        Path shared = SharedFixtures.dir();
        Assumptions.assumeTrue(shared != null, "../shared/fixtures is not present");
        return checks(shared, SHARED);
    }

    @TestFactory
    Stream<DynamicTest> ownFixturesOfOllamaAndGeminiReportTheirUsageInRewindsNames() {
        return checks(Path.of("src/test/resources/fixtures"), OWN);
    }

    private static Stream<DynamicTest> checks(Path root, Map<String, Optional<TokenUsage>> expected) {
        return expected.keySet().stream().sorted().map(name -> DynamicTest.dynamicTest(name, () -> {
            ChunkReassembler reassembler = reassembled(root.resolve(name));
            assertThat(Optional.ofNullable(reassembler.tokenUsage())).isEqualTo(expected.get(name));
        }));
    }

    private static ChunkReassembler reassembled(Path stream) throws IOException {
        ProviderFormat format = GoldenFixturesTest.FORMATS.get(stream.getParent().getFileName().toString());
        ChunkReassembler reassembler = ChunkReassembler.forFormat(format, 1 << 20);
        reassembler.feed(Files.readAllBytes(stream));
        reassembler.end();
        return reassembler;
    }
}
