package dev.rewind.analytics;

import dev.rewind.protocol.AnalyticsRecord;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.SessionSummary;
import dev.rewind.protocol.TokenEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a whole topic as committed (read_committed), from the beginning to its current end. */
final class AnalyticsTopicReader {

    private AnalyticsTopicReader() {}

    /** The latest value per key of an analytics topic: what a compacted topic converges to. */
    static Map<String, AnalyticsRecord> latest(String bootstrap, String topic) {
        Map<String, AnalyticsRecord> latest = new TreeMap<>();
        readAll(bootstrap, topic, Serdes.ANALYTICS).forEach(r -> latest.put(r.key(), r.value()));
        return latest;
    }

    /** The latest summary per session of a sessions topic. */
    static Map<String, SessionSummary> summaries(String bootstrap, String topic) {
        Map<String, SessionSummary> latest = new TreeMap<>();
        readAll(bootstrap, topic, Serdes.SESSION).forEach(r -> latest.put(r.key(), r.value()));
        return latest;
    }

    /** Every event of a tokens topic with its record timestamp, in partition order. */
    static List<TimedEvent> tokens(String bootstrap, String topic) {
        return readAll(bootstrap, topic, Serdes.TOKEN).stream()
                .map(r -> new TimedEvent(r.value(), r.timestamp())).toList();
    }

    private static <V> List<ConsumerRecord<String, V>> readAll(String bootstrap, String topic, Deserializer<V> values) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<String, V>> records = new ArrayList<>();
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(config, new StringDeserializer(), values)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    static boolean allEnded(List<TimedEvent> events, int sessions) {
        return events.stream().map(TimedEvent::event).filter(TokenEvent::isTerminal).count() >= sessions;
    }
}
