package dev.rewind.bench.load;

import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.Topics;
import dev.rewind.sim.EmitStamp;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The per-hop breakdown, from the stamps the tokens carry: a tailing reader of {@code rewind.chunks}
 * gives the ingest read ({@code received_at} minus the emit time) and when a chunk is acked and
 * visible to a consumer; a {@code read_committed} reader of {@code rewind.tokens} gives when the
 * token's transaction committed and became visible. A sample of sessions (by key hash) keeps the
 * readers' own cost small.
 */
final class HopTap implements AutoCloseable {

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> readers;
    private final LoadStats stats;
    private final int sampleModulo;
    private final long startMicros = EmitStamp.nowMicros();

    HopTap(String bootstrap, LoadStats stats, double sample) {
        this.stats = stats;
        this.sampleModulo = sample <= 0 ? 0 : (int) Math.max(1, Math.round(1 / sample));
        this.readers = sampleModulo == 0 ? List.of() : List.of(
                tail(bootstrap, Topics.CHUNKS, "read_uncommitted", this::onChunk),
                tail(bootstrap, Topics.TOKENS, "read_committed", this::onToken));
    }

    private Thread tail(String bootstrap, String topic, String isolation, TopicTail.OnRecord handler) {
        return TopicTail.start(bootstrap, topic, isolation, Map.of("fetch.max.wait.ms", 5), sampleModulo, running::get,
                EmitStamp::nowMicros, (record, receivedMicros) -> {
                    if (stats.measuring.get()) {
                        handler.on(record, receivedMicros);
                    }
                });
    }

    private void onChunk(ConsumerRecord<String, byte[]> record, long receivedMicros) {
        if (Serdes.CHUNK.deserialize(record.topic(), record.headers(), record.value()) instanceof ChunkRecord.Chunk chunk) {
            EmitStamp.micros(new String(chunk.bytes(), StandardCharsets.UTF_8)).ifPresent(emitted -> {
                if (emitted >= startMicros) {
                    stats.ingestRead.record(micros(chunk.receivedAt()) - emitted);
                    stats.chunkVisible.record(receivedMicros - emitted);
                }
            });
        }
    }

    private void onToken(ConsumerRecord<String, byte[]> record, long receivedMicros) {
        if (Serdes.TOKEN.deserializer().deserialize(record.topic(), record.value()) instanceof TokenEvent.Token token) {
            EmitStamp.micros(token.text()).ifPresent(emitted -> {
                if (emitted >= startMicros) {
                    stats.tokenCommitted.record(receivedMicros - emitted);
                }
            });
        }
    }

    private static long micros(Instant at) {
        return at.getEpochSecond() * 1_000_000L + at.getNano() / 1_000;
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread reader : readers) {
            reader.join(5_000);
        }
    }
}
