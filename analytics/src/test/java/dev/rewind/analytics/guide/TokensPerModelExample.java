package dev.rewind.analytics.guide;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Counts the tokens of rewind.tokens per model with a plain KafkaConsumer: reads every partition from
 * the beginning up to the end it finds at start, then prints one line per model: {@code <model> <tokens>}.
 * Usage: {@code TokensPerModelExample [bootstrap servers] [topic]}.
 */
public final class TokensPerModelExample {

    /** What is remembered per session: its model, the last seq seen, the tokens of its current attempt. */
    private static final class Session {
        String model;
        long lastSeq;
        long tokens;
    }

    public static void main(String[] args) throws IOException {
        String bootstrap = args.length > 0 ? args[0] : "localhost:9092";
        String topic = args.length > 1 ? args[1] : "rewind.tokens";
        countTokensPerModel(bootstrap, topic).forEach((model, tokens) -> System.out.println(model + " " + tokens));
    }

    public static Map<String, Long> countTokensPerModel(String bootstrap, String topic) throws IOException {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        // only events of committed transactions: an aborted attempt of the processor is never counted
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        ObjectMapper json = new ObjectMapper();
        Map<String, Session> sessions = new HashMap<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    count(json.readTree(record.value()), sessions.computeIfAbsent(record.key(), id -> new Session()));
                }
            }
        }
        Map<String, Long> tokensPerModel = new TreeMap<>();
        sessions.values().stream().filter(s -> s.model != null)
                .forEach(s -> tokensPerModel.merge(s.model, s.tokens, Long::sum));
        return tokensPerModel;
    }

    private static void count(JsonNode event, Session session) {
        long seq = event.path("seq").asLong();
        if (seq <= session.lastSeq) {
            return; // seen before: a session's seq only grows, so this is a duplicate delivery
        }
        session.lastSeq = seq;
        switch (event.path("type").asText()) {
            case "start" -> session.model = event.path("model").asText();
            case "token" -> session.tokens++;
            case "reset" -> session.tokens = 0; // the failed attempt's tokens are not in the transcript
            default -> { } // other kinds, and kinds added later, do not change the count
        }
    }
}
