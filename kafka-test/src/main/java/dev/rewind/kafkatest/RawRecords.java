package dev.rewind.kafkatest;

import static org.awaitility.Awaitility.await;

import dev.rewind.protocol.DeadLetter;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * For poison tests: writes any bytes (or none) to any topic, and finds the dead letter that a
 * reader wrote of one of them in {@code rewind.chunks.dlq}, by its source position.
 */
public final class RawRecords implements AutoCloseable {

    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> deadLetters;
    private final List<DeadLetter> seen = new ArrayList<>();

    public RawRecords(String bootstrapServers) {
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrapServers), new StringSerializer(),
                new ByteArraySerializer());
        deadLetters = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrapServers, "group.id", "dlq-" + UUID.randomUUID(),
                "auto.offset.reset", "earliest"), new StringDeserializer(), new ByteArrayDeserializer());
        deadLetters.subscribe(List.of(Topics.CHUNKS_DLQ));
    }

    /** Writes {@code value} (null: no value) and returns where it landed. */
    public RecordMetadata write(String topic, String key, byte[] value) {
        try {
            return producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot write to " + topic, e);
        }
    }

    public RecordMetadata write(String topic, String key, String text) {
        return write(topic, key, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Waits for the dead letter of the record at {@code source}. */
    public DeadLetter awaitDeadLetter(RecordMetadata source, Duration within) {
        await().atMost(within).until(() -> deadLetterAt(source).isPresent());
        return deadLetterAt(source).orElseThrow();
    }

    /** The dead letter of the record at {@code source}, among those written so far. */
    public synchronized Optional<DeadLetter> deadLetterAt(RecordMetadata source) {
        for (ConsumerRecord<String, byte[]> record : deadLetters.poll(Duration.ofMillis(200))) {
            seen.add(Serdes.DEAD_LETTER.deserialize(record.topic(), record.value()));
        }
        return seen.stream().filter(letter -> source.topic().equals(letter.sourceTopic())
                && letter.partition() == source.partition() && letter.offset() == source.offset()).findFirst();
    }

    @Override
    public void close() {
        deadLetters.close();
        producer.close();
    }
}
