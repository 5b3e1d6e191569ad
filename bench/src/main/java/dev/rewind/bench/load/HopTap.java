package dev.rewind.bench.load;

import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.Topics;
import dev.rewind.sim.EmitStamp;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

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

    private interface OnRecord {
        void on(ConsumerRecord<String, byte[]> record, long receivedMicros);
    }

    private Thread tail(String bootstrap, String topic, String isolation, OnRecord handler) {
        return Thread.ofPlatform().daemon().name("hop-tap-" + topic).start(() -> {
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                    "isolation.level", isolation, "enable.auto.commit", false, "fetch.max.wait.ms", 5),
                    new StringDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToEnd(partitions);
                while (running.get()) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                        if (stats.measuring.get() && Math.floorMod(record.key().hashCode(), sampleModulo) == 0) {
                            handler.on(record, EmitStamp.nowMicros());
                        }
                    }
                }
            }
        });
    }

    private void onChunk(ConsumerRecord<String, byte[]> record, long receivedMicros) {
        if (Serdes.CHUNK.deserializer().deserialize(record.topic(), record.value()) instanceof ChunkRecord.Chunk chunk) {
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
