package dev.rewind.processor.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.processor.provider.Extracted;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.ProviderFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A mutation fuzzer over the reassembler, bounded in time: recordings, llm-sim output and random
 * bytes, mutated (bit flips, line breaks, BOMs, broken UTF-8, JSON punctuation, splices, cuts), fed to
 * any format's reassembler in random reads with small and large limits, stored and restored between
 * reads. No exception may escape; the buffers never exceed the configured limits and the state does
 * not grow with the stream except by the tool-call text it carries; and re-chunking the same bytes
 * gives the same items.
 *
 * <p>Runs {@value #DEFAULT_SECONDS} s in the suite; longer on demand:
 * {@code -Drewind.fuzz.seconds=600} (and {@code -Drewind.fuzz.seed=N} to replay a run). A failing
 * input is written to {@code target/fuzz-failures/}.
 */
class ReassemblerFuzzTest {

    static final int DEFAULT_SECONDS = 12;
    private static final byte[][] TOKENS = tokens("\r", "\n", "\r\n", "\n\n", ":", "data:", "data: ", "event: ", "id: ", "{", "}",
            "[", "]", "\"", "\\", "\\u", "\\ud83d", ",", "[DONE]", "\u2028", "\uFEFF", "🙂", "null", "true", "-1.5e9",
            "{\"error\":\"x\"}", "{\"done\":true}", "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\"}}]}}]}");

    @Test
    void noInputMakesTheReassemblerThrowHoldMoreThanItsLimitsOrDependOnHowItIsSplit() throws IOException {
        long seconds = Long.getLong("rewind.fuzz.seconds", DEFAULT_SECONDS);
        long seed = Long.getLong("rewind.fuzz.seed", System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        List<StreamCorpus.Entry> corpus = StreamCorpus.all();
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        long runs = 0;
        long bytes = 0;
        while (System.nanoTime() < deadline) {
            StreamCorpus.Entry base = corpus.get(random.nextInt(corpus.size()));
            byte[] input = random.nextInt(10) == 0 ? randomBytes(random, random.nextInt(4096)) : mutate(base.bytes(), corpus, random);
            ProviderFormat format = random.nextInt(4) == 0 ? ProviderFormat.values()[random.nextInt(ProviderFormat.values().length)]
                    : base.format();
            int maxLine = random.nextBoolean() ? 1024 : 1 << 16;
            long runSeed = random.nextLong();
            try {
                check(format, input, maxLine, new SplittableRandom(runSeed));
            } catch (Throwable failure) {
                Path saved = save(input, format, maxLine, runSeed);
                throw new AssertionError("fuzz run failed (seed " + seed + ", format " + format + ", max line " + maxLine
                        + "); input saved to " + saved, failure);
            }
            runs++;
            bytes += input.length;
        }
        System.out.printf("fuzzed the reassembler for %d s: %d inputs, %d bytes (seed %d)%n", seconds, runs, bytes, seed);
        assertThat(runs).isPositive();
    }

    private static void check(ProviderFormat format, byte[] input, int maxLine, SplittableRandom random) {
        ChunkReassembler reassembler = ChunkReassembler.forFormat(format, maxLine);
        List<Extracted> items = new ArrayList<>();
        for (int at = 0; at < input.length; ) {
            int size = 1 + random.nextInt(random.nextBoolean() ? 16 : 2048);
            items.addAll(reassembler.feed(Arrays.copyOfRange(input, at, Math.min(input.length, at + size))));
            at += size;
            assertBounded(reassembler, maxLine);
            if (random.nextInt(8) == 0) {
                reassembler = Json.fromBytes(Json.toBytes(reassembler), ChunkReassembler.class);
            }
        }
        items.addAll(reassembler.end());
        assertThat(reassembler.feed(randomBytes(random, 16))).as("nothing is taken after the end").isEmpty();
        ChunkReassembler whole = ChunkReassembler.forFormat(format, maxLine);
        List<Extracted> once = new ArrayList<>(whole.feed(input));
        once.addAll(whole.end());
        assertThat(items).as("the same bytes in one read").isEqualTo(once);
    }

    /** Buffers within the limits; the stored state no bigger than they and the tool-call text allow (JSON escapes at most ×6). */
    private static void assertBounded(ChunkReassembler reassembler, int maxLine) {
        assertThat(reassembler.pendingLineBytes()).isLessThanOrEqualTo(maxLine);
        assertThat(reassembler.pendingEventChars()).isLessThanOrEqualTo(maxLine);
        long bound = 6L * (2L * maxLine + reassembler.toolCallChars()) + 16_384;
        assertThat((long) Json.toBytes(reassembler).length).isLessThanOrEqualTo(bound);
    }

    private static byte[] mutate(byte[] seed, List<StreamCorpus.Entry> corpus, SplittableRandom random) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] data = seed.clone();
        for (int n = 1 + random.nextInt(8); n > 0 && data.length > 0; n--) {
            int at = random.nextInt(data.length);
            switch (random.nextInt(7)) {
                case 0 -> data[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> data = splice(data, at, at, TOKENS[random.nextInt(TOKENS.length)]);
                case 2 -> data = splice(data, at, Math.min(data.length, at + random.nextInt(64)), new byte[0]);
                case 3 -> data = splice(data, at, at, Arrays.copyOfRange(data, at, Math.min(data.length, at + random.nextInt(256))));
                case 4 -> data = Arrays.copyOf(data, at); // cut short: truncation
                case 5 -> data = splice(data, at, at, randomBytes(random, 1 + random.nextInt(8))); // broken UTF-8 and control bytes
                default -> {
                    byte[] other = corpus.get(random.nextInt(corpus.size())).bytes();
                    int from = random.nextInt(other.length);
                    data = splice(data, at, at, Arrays.copyOfRange(other, from, Math.min(other.length, from + random.nextInt(512))));
                }
            }
        }
        if (random.nextInt(20) == 0) {
            // one line far longer than the small limit
            out.writeBytes("data: {\"choices\":[{\"delta\":{\"content\":\"".getBytes(StandardCharsets.UTF_8));
            out.writeBytes("x".repeat(3000).getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes(data);
        return out.toByteArray();
    }

    private static byte[] splice(byte[] data, int from, int to, byte[] insert) {
        byte[] result = new byte[data.length - (to - from) + insert.length];
        System.arraycopy(data, 0, result, 0, from);
        System.arraycopy(insert, 0, result, from, insert.length);
        System.arraycopy(data, to, result, from + insert.length, data.length - to);
        return result;
    }

    private static byte[] randomBytes(SplittableRandom random, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    private static byte[][] tokens(String... tokens) {
        return Arrays.stream(tokens).map(t -> t.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
    }

    private static Path save(byte[] input, ProviderFormat format, int maxLine, long runSeed) throws IOException {
        Path dir = Files.createDirectories(Path.of("target", "fuzz-failures"));
        return Files.write(dir.resolve(format.wireName() + "-max" + maxLine + "-" + runSeed + ".bin"), input);
    }
}
