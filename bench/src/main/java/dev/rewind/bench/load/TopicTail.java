package dev.rewind.bench.load;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A measuring reader of one topic, from its end on, on a daemon thread: it hands one session in
 * {@code sampleModulo} (by key hash) to {@code handler} with the time it was read, until {@code running}
 * says stop. The per-hop taps of the load generator and of the side-by-side probe are built on it.
 */
public final class TopicTail {

    /** What a tail does with a sampled record; {@code receivedMicros} is when the tail read it. */
    public interface OnRecord {
        void on(ConsumerRecord<String, byte[]> record, long receivedMicros);
    }

    private TopicTail() {}

    /** Starts the tail; {@code clientConfig} adds to (or overrides) the consumer's bootstrap and isolation. */
    public static Thread start(String bootstrap, String topic, String isolation, Map<String, Object> clientConfig,
            int sampleModulo, BooleanSupplier running, LongSupplier clockMicros, OnRecord handler) {
        Map<String, Object> config = new HashMap<>(Map.of("bootstrap.servers", bootstrap, "isolation.level", isolation,
                "enable.auto.commit", false));
        config.putAll(clientConfig);
        return Thread.ofPlatform().daemon().name("tail-" + topic).start(() -> {
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                    new ByteArrayDeserializer())) {
                List<TopicPartition> partitions = List.of();
                while (partitions.isEmpty() && running.getAsBoolean()) { // a stack may create its topics after the tail starts
                    partitions = consumer.partitionsFor(topic).stream()
                            .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                    if (partitions.isEmpty()) {
                        pause();
                    }
                }
                consumer.assign(partitions);
                consumer.seekToEnd(partitions);
                while (running.getAsBoolean()) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                        if (record.key() == null || Math.floorMod(record.key().hashCode(), sampleModulo) != 0) {
                            continue;
                        }
                        try {
                            handler.on(record, clockMicros.getAsLong());
                        } catch (RuntimeException e) {
                            // a record the tail cannot read is not a measurement: skip it
                        }
                    }
                }
            }
        });
    }

    private static void pause() {
        try {
            Thread.sleep(500); // polling for the topic's metadata; there is nothing to wait on
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
