package dev.rewind.bench.processor;

import dev.rewind.processor.provider.Extracted;
import dev.rewind.processor.session.ChunkReassembler;
import dev.rewind.protocol.ProviderFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Throughput of the stream-processor's reassembler, per provider format, on one core: a stream of
 * 1,000 text tokens in network-sized reads, bytes to items. JMH reports streams/s, and (through
 * the auxiliary counters) {@code bytes} — bytes/s — and {@code events} — items/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ReassemblerBenchmark {

    @Param({"openai-chat", "anthropic", "openai-responses", "ollama", "gemini"})
    public String format;

    /** Bytes per upstream read: a small TCP read and a typical full buffer. */
    @Param({"64", "8192"})
    public int chunkBytes;

    /** Tokens in the stream. */
    @Param({"1000"})
    public int tokens;

    private ProviderFormat providerFormat;
    private List<byte[]> chunks;
    private long streamBytes;
    private long streamItems;

    /** Per-second rates JMH adds to the results: bytes and items reassembled. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Rates {
        public long bytes;
        public long events;
    }

    @Setup(Level.Trial)
    public void prepare() {
        providerFormat = ProviderFormat.fromWireName(format);
        byte[] bytes = ProviderStreams.build(providerFormat, tokens);
        streamBytes = bytes.length;
        chunks = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += chunkBytes) {
            chunks.add(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + chunkBytes)));
        }
        ChunkReassembler check = ChunkReassembler.forFormat(providerFormat, 1 << 20);
        chunks.forEach(chunk -> streamItems += check.feed(chunk).size());
        streamItems += check.end().size();
        if (streamItems != tokens || !check.terminated()) {
            throw new IllegalStateException(format + " stream gave " + streamItems + " items, terminated " + check.terminated());
        }
        System.out.printf("%n[%s stream of %d tokens = %d bytes in %d reads]%n", format, tokens, streamBytes, chunks.size());
    }

    @Benchmark
    public void reassemble(Rates rates, Blackhole sink) {
        ChunkReassembler reassembler = ChunkReassembler.forFormat(providerFormat, 1 << 20);
        for (byte[] chunk : chunks) {
            for (Extracted item : reassembler.feed(chunk)) {
                sink.consume(item);
            }
        }
        sink.consume(reassembler.end());
        rates.bytes += streamBytes;
        rates.events += streamItems;
    }
}
