package dev.rewind.bench;

import dev.rewind.processor.provider.Extracted;
import dev.rewind.processor.session.ChunkReassembler;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Throughput of the stream-processor's reassembler on an OpenAI Chat Completions stream: bytes in
 * network-sized pieces to token items, on one core. Divide the stream's size by the time per
 * operation for MB/s (the benchmark reports operations per second; docs/benchmarks.md shows both).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ReassemblerBenchmark {

    /** Bytes per upstream read: a small TCP read and a typical full buffer. */
    @Param({"64", "8192"})
    public int chunkBytes;

    /** Tokens in the stream. */
    @Param({"1000"})
    public int tokens;

    private List<byte[]> chunks;
    public long streamBytes;

    @Setup(Level.Trial)
    public void prepare() {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (int i = 0; i < tokens; i++) {
            String text = i % 7 == 0 ? " café" : i % 11 == 0 ? " 日本" : " token" + i;
            stream.writeBytes(("data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,"
                    + "\"model\":\"gpt-4.1\",\"system_fingerprint\":\"fp_bench\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
                    + text + "\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n").getBytes(StandardCharsets.UTF_8));
        }
        stream.writeBytes("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n"
                .getBytes(StandardCharsets.UTF_8));
        byte[] bytes = stream.toByteArray();
        streamBytes = bytes.length;
        chunks = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += chunkBytes) {
            chunks.add(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + chunkBytes)));
        }
        System.out.printf("%n[stream of %d tokens = %d bytes in %d reads]%n", tokens, streamBytes, chunks.size());
    }

    @Benchmark
    public void reassembleChatCompletionsStream(Blackhole sink) {
        ChunkReassembler reassembler = ChunkReassembler.forFormat(dev.rewind.protocol.ProviderFormat.OPENAI_CHAT, 1 << 20);
        for (byte[] chunk : chunks) {
            for (Extracted item : reassembler.feed(chunk)) {
                sink.consume(item);
            }
        }
        sink.consume(reassembler.end());
    }
}
