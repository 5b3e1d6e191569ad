package dev.rewind.edge.ops;

import dev.rewind.edge.EdgeConfig;
import dev.rewind.protocol.DeadLetter;
import dev.rewind.protocol.RecordDecoder;
import dev.rewind.protocol.RecordDecoder.Outcome;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What goes wrong for one of the edge's Kafka readers (the hub, the session store feed, the
 * analytics feed), recorded so that it shows. A failed read, which the reader's loop survives with
 * a backoff, is counted in {@code rewind.edge.task.failures{task}}. A record it cannot use (DESIGN
 * §13): a record of a {@code type} this version does not know is
 * skipped and counted in {@code rewind.edge.records.unknown_type{topic}}; one that does not decode
 * goes to {@code rewind.chunks.dlq} with its position, reason and a bounded excerpt, and is counted
 * in {@code rewind.edge.records.undecodable{topic}}. The reader goes on either way.
 *
 * <p>The dead-letter producer is made on the first dead letter, so an edge that never meets one
 * holds no producer; the reader that owns this closes it.
 */
public final class ReaderFaults implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReaderFaults.class);

    private final Map<String, Object> producerConfig;
    private final MeterRegistry meters;
    private KafkaProducer<String, DeadLetter> producer;
    private boolean closed;

    /** @param producerConfig the Kafka client settings of the dead-letter producer */
    public ReaderFaults(Map<String, Object> producerConfig, MeterRegistry meters) {
        this.producerConfig = producerConfig;
        this.meters = meters;
    }

    /** For one reader of the edge: dead letters acknowledged by all in-sync replicas, never a wait without bound. */
    public static ReaderFaults of(EdgeConfig config, MeterRegistry meters) {
        return new ReaderFaults(config.kafka().clientConfig(Map.of("acks", "all", "enable.idempotence", true,
                "max.block.ms", 5_000, "client.id", "rewind-edge-dlq")), meters);
    }

    /** The record's value when it is one this reader can use; otherwise it is skipped or dead-lettered, and counted. */
    public <T> Optional<T> decode(ConsumerRecord<String, byte[]> record, RecordDecoder<T> decoder) {
        return decided(record, decoder.decode(record.key(), record.headers(), record.value()), true);
    }

    /**
     * As {@link #decode}, without a dead letter: for a record read again and again (a replay), whose
     * dead letter the reader of the live tail writes once.
     */
    public <T> Optional<T> decodeCounted(ConsumerRecord<String, byte[]> record, RecordDecoder<T> decoder) {
        return decided(record, decoder.decode(record.key(), record.headers(), record.value()), false);
    }

    /** As {@link #decode}, for a reader that checks the key itself (a topic not keyed by session). */
    public <T> Optional<T> decodeValue(ConsumerRecord<String, byte[]> record, RecordDecoder<T> decoder) {
        return decided(record, decoder.decode(record.value()), true);
    }

    /** Dead-letters a record whose key the reader refused, with the reader's reason. */
    public void refuse(ConsumerRecord<String, byte[]> record, String reason) {
        decided(record, new Outcome.Undecodable<>(reason), true);
    }

    /** Counts a failure that {@code task}'s loop caught, logged and survived. */
    public void loopFailed(String task) {
        Counter.builder("rewind.edge.task.failures").tag("task", task)
                .description("exceptions a background loop or task caught, logged and survived").register(meters).increment();
    }

    private <T> Optional<T> decided(ConsumerRecord<String, byte[]> record, Outcome<T> outcome, boolean deadLetter) {
        switch (outcome) {
            case Outcome.Decoded<T>(T value) -> {
                return Optional.of(value);
            }
            case Outcome.UnknownType<T>(String type) -> {
                counter("rewind.edge.records.unknown_type", record.topic(), "records skipped: a type this version does not know")
                        .increment();
                LOG.info("skipping {}-{}@{}: record type '{}' is unknown to this version", record.topic(),
                        record.partition(), record.offset(), type);
            }
            case Outcome.Undecodable<T>(String reason) -> {
                counter("rewind.edge.records.undecodable", record.topic(), "records dead-lettered: they do not decode")
                        .increment();
                LOG.warn("{} {}-{}@{}: {}", deadLetter ? "dead-lettering" : "skipping", record.topic(), record.partition(),
                        record.offset(), reason);
                if (deadLetter) {
                    deadLetter(record, reason);
                }
            }
        }
        return Optional.empty();
    }

    private void deadLetter(ConsumerRecord<String, byte[]> record, String reason) {
        DeadLetter letter = DeadLetter.ofRecord(record.key(), record.topic(), record.partition(), record.offset(), reason,
                record.value(), Instant.ofEpochMilli(record.timestamp()));
        try {
            KafkaProducer<String, DeadLetter> out = producer();
            if (out == null) {
                return; // closing
            }
            out.send(new ProducerRecord<>(Topics.CHUNKS_DLQ, letter.sessionId(), letter), (metadata, error) -> {
                if (error != null) {
                    LOG.error("the dead letter of {}-{}@{} could not be written: {}", record.topic(), record.partition(),
                            record.offset(), error.toString());
                }
            });
        } catch (RuntimeException e) {
            LOG.error("the dead letter of {}-{}@{} could not be sent: {}", record.topic(), record.partition(),
                    record.offset(), e.toString());
        }
    }

    private synchronized KafkaProducer<String, DeadLetter> producer() {
        if (producer == null && !closed) {
            producer = new KafkaProducer<>(producerConfig, new StringSerializer(), Serdes.DEAD_LETTER);
        }
        return producer;
    }

    private Counter counter(String name, String topic, String description) {
        return Counter.builder(name).tag("topic", topic).description(description).register(meters);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (producer != null) {
            producer.close(Duration.ofSeconds(2));
        }
    }
}
