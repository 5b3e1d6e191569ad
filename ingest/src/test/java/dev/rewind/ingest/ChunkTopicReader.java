package dev.rewind.ingest;

import static org.awaitility.Awaitility.await;

import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ChunkSerde;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads rewind.chunks for ingest tests: each session's records in order, each once, and their raw bytes. */
final class ChunkTopicReader implements AutoCloseable {

    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, List<ConsumerRecord<String, byte[]>>> raw = new ConcurrentHashMap<>();
    /** The next offset to keep per partition: a group that rebalanced re-reads from its last commit. */
    private final Map<Integer, Long> nextOffset = new ConcurrentHashMap<>();

    ChunkTopicReader(String bootstrapServers) {
        consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrapServers,
                "group.id", "chunk-reader-" + UUID.randomUUID(), "auto.offset.reset", "earliest"),
                new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(Topics.CHUNKS));
    }

    /** Waits for the session's {@code session_ended} and returns all its records. */
    List<ChunkRecord> awaitSessionEnd(String sessionId, Duration within) {
        await().atMost(within).until(() -> {
            pollOnce();
            return records(sessionId).stream().anyMatch(ChunkRecord.SessionEnded.class::isInstance);
        });
        return records(sessionId);
    }

    /** Waits until the session has a record matching {@code type}. */
    <T extends ChunkRecord> T awaitFirst(String sessionId, Class<T> type, Duration within) {
        await().atMost(within).until(() -> {
            pollOnce();
            return records(sessionId).stream().anyMatch(type::isInstance);
        });
        return records(sessionId).stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }

    List<ChunkRecord> records(String sessionId) {
        return raw.getOrDefault(sessionId, List.of()).stream()
                .map(r -> Serdes.CHUNK.deserialize(Topics.CHUNKS, r.headers(), r.value())).toList();
    }

    /** The writer generation header ({@code ChunkSerde.writerGeneration}) of each of the session's records, in order. */
    List<Integer> writerGenerations(String sessionId) {
        return raw.getOrDefault(sessionId, List.of()).stream().map(r -> ChunkSerde.writerGeneration(r.headers())).toList();
    }

    /** Every raw value read so far, of every session. */
    List<byte[]> allRaw() {
        List<byte[]> all = new ArrayList<>();
        raw.values().forEach(records -> records.forEach(r -> all.add(r.value())));
        return all;
    }

    /** Reads until every partition of the topic has been read up to its end as of now. */
    void readToEnd(Duration within) {
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.CHUNKS).stream()
                .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        await().atMost(within).until(() -> {
            pollOnce();
            return ends.entrySet().stream().allMatch(end -> nextOffset.getOrDefault(end.getKey().partition(), 0L) >= end.getValue()
                    || consumer.assignment().contains(end.getKey()) && consumer.position(end.getKey()) >= end.getValue());
        });
    }

    void pollOnce() {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            if (r.offset() < nextOffset.getOrDefault(r.partition(), 0L)) {
                continue;
            }
            nextOffset.put(r.partition(), r.offset() + 1);
            raw.computeIfAbsent(r.key(), k -> Collections.synchronizedList(new ArrayList<>())).add(r);
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}
