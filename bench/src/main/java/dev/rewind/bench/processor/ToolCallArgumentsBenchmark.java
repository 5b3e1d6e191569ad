package dev.rewind.bench.processor;

import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ProviderFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
 * One session whose only output is one tool call with long arguments (an agent writing a file
 * through a tool), through the processor's whole topology — session-state store, its cache and
 * the kept states included — on Kafka Streams' test driver (no broker): 100 KiB of arguments in
 * 5,000 chunk records of about 20 bytes each. Time per session; linear cost shows as a time that
 * grows with the arguments, not with their square.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class ToolCallArgumentsBenchmark {

    @Param({"102400"})
    public int argumentBytes;

    @Param({"5000"})
    public int fragments;

    private ProcessorDriver driver;
    private TestInputTopic<String, ChunkRecord> chunks;
    private TestOutputTopic<String, byte[]> tokens;
    private List<byte[]> reads;
    private long session;

    @Setup
    public void start() throws IOException {
        driver = ProcessorDriver.open("tool-call-bench");
        chunks = driver.chunks();
        tokens = driver.tokens();
        reads = new ArrayList<>();
        int each = argumentBytes / fragments;
        reads.add(sse("{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"write_file\","
                + "\"arguments\":\"{\\\"path\\\":\\\"notes.txt\\\",\\\"content\\\":\\\"\"}}"));
        for (int i = 0; i < fragments; i++) {
            reads.add(sse("{\"index\":0,\"function\":{\"arguments\":\"" + "abcdefghijklmnopqrstuvwxyz".repeat(2).substring(0, each)
                    + "\"}}"));
        }
        reads.add(sse("{\"index\":0,\"function\":{\"arguments\":\"\\\"}\"}}"));
    }

    private static byte[] sse(String toolCall) {
        return ("data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[" + toolCall + "]}}]}\n\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    public long oneSessionWithLongToolArguments() {
        String id = "s_bench" + (session++);
        Instant at = Instant.parse("2026-12-07T10:00:00Z");
        chunks.pipeInput(id, new ChunkRecord.AttemptStarted(id, 1, 200, "text/event-stream", "sim", "sim-small",
                ProviderFormat.OPENAI_CHAT, at), at);
        long seq = 0;
        for (byte[] read : reads) {
            chunks.pipeInput(id, new ChunkRecord.Chunk(id, 1, ++seq, ProviderFormat.OPENAI_CHAT, read, at), at);
        }
        chunks.pipeInput(id, new ChunkRecord.SessionEnded(id, 1, ChunkRecord.SessionOutcome.COMPLETED, null, null, null, null, at), at);
        long events = tokens.getQueueSize();
        tokens.readRecordsToList();
        return events;
    }

    @TearDown
    public void stop() throws IOException {
        driver.close();
    }
}
