package dev.rewind.bench.processor;

import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ProviderFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one upstream read costs the stream thread, from the chunk record's bytes to the token
 * event written: the processor's whole topology (decoding the record, the session state read and
 * written back, reassembly, the token event's encoding) on Kafka Streams' test driver, no broker.
 * {@code sessions} live sessions take turns, one Chat Completions token per record, as at load; the
 * record is encoded by the producer's serializer with its headers, exactly as ingest writes it.
 *
 * <p>On a shared box the JMH score (wall time) moves with everyone else's load; {@link #main} runs
 * the same operation and reports this thread's CPU time and allocation per record, which do not:
 * <pre>
 * java -cp 'bench/target/rewind-bench.jar:bench/target/libs/*' dev.rewind.bench.processor.ChunkRecordCostBenchmark [records per round]
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class ChunkRecordCostBenchmark {

    @Param({"100"})
    public int sessions;

    private ProcessorDriver driver;
    private TestInputTopic<String, ChunkRecord> chunks;
    private TestOutputTopic<String, byte[]> tokens;
    private byte[][] reads;
    private long[] seqs;
    private long record;

    @Setup
    public void start() throws IOException {
        driver = ProcessorDriver.open("chunk-cost-bench");
        chunks = driver.chunks();
        tokens = driver.tokens();
        reads = new byte[64][];
        for (int i = 0; i < reads.length; i++) {
            reads[i] = ProviderStreams.chatChunk(ProviderStreams.token(i)).getBytes(StandardCharsets.UTF_8);
        }
        seqs = new long[sessions];
        Instant at = Instant.now();
        for (int s = 0; s < sessions; s++) {
            chunks.pipeInput(id(s), new ChunkRecord.AttemptStarted(id(s), 1, 200, "text/event-stream", "sim", "sim-small",
                    ProviderFormat.OPENAI_CHAT, at), at);
        }
        tokens.readValuesToList();
    }

    private static String id(int session) {
        return "s_bench" + session;
    }

    @Benchmark
    public int oneChunkRecord() {
        int s = (int) (record++ % sessions);
        Instant at = Instant.now();
        chunks.pipeInput(id(s), new ChunkRecord.Chunk(id(s), 1, ++seqs[s], ProviderFormat.OPENAI_CHAT,
                reads[(int) (seqs[s] % reads.length)], at), at);
        return tokens.readValuesToList().size();
    }

    /** Rounds of {@code records} after as many to warm up: CPU µs and allocated bytes per record, per round. */
    public static void main(String[] args) throws IOException {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        ChunkRecordCostBenchmark bench = new ChunkRecordCostBenchmark();
        bench.sessions = 100;
        bench.start();
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        try {
            for (int round = 0; round <= 5; round++) {
                long cpu = threads.getCurrentThreadCpuTime();
                long allocated = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < records; i++) {
                    bench.oneChunkRecord();
                }
                System.out.printf("%s %d records: %.2f us cpu, %,d B allocated per record%n", round == 0 ? "warm-up" : "round " + round,
                        records, (threads.getCurrentThreadCpuTime() - cpu) / 1e3 / records,
                        (threads.getCurrentThreadAllocatedBytes() - allocated) / records);
            }
        } finally {
            bench.stop();
        }
    }

    @TearDown
    public void stop() throws IOException {
        driver.close();
    }
}
