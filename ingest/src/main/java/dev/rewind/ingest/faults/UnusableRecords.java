package dev.rewind.ingest.faults;

import dev.rewind.protocol.DeadLetter;
import dev.rewind.protocol.RecordDecoder;
import dev.rewind.protocol.RecordDecoder.Outcome;
import dev.rewind.protocol.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What ingest's consumers do with a record they cannot use, so that one costs one record and never
 * the loop (DESIGN §13): a record of a {@code type} this version does not know is skipped and
 * counted ({@code rewind.ingest.records.unknown_type{topic}}); one that does not decode, has no
 * value or the wrong key goes to {@code rewind.chunks.dlq} with its position, reason and a bounded
 * excerpt, and is counted ({@code rewind.ingest.records.undecodable{topic}}).
 */
public final class UnusableRecords {

    private static final Logger LOG = LoggerFactory.getLogger(UnusableRecords.class);

    private final Producer<String, DeadLetter> deadLetters;
    private final MeterRegistry meters;

    public UnusableRecords(Producer<String, DeadLetter> deadLetters, MeterRegistry meters) {
        this.deadLetters = deadLetters;
        this.meters = meters;
    }

    /**
     * The record's value when it is one this reader can use. Otherwise it is skipped or dead-lettered,
     * and {@code dealtWith} runs once that is done: at once for an unknown type, when the DLQ has the
     * dead letter (or refused it, which is logged) for an undecodable one — so a reader that commits
     * offsets commits past it only then.
     */
    public <T> Optional<T> decode(ConsumerRecord<String, byte[]> record, RecordDecoder<T> decoder, Runnable dealtWith) {
        switch (decoder.decode(record.key(), record.headers(), record.value())) {
            case Outcome.Decoded<T>(T value) -> {
                return Optional.of(value);
            }
            case Outcome.UnknownType<T>(String type) -> {
                count("rewind.ingest.records.unknown_type", record.topic(), "records skipped: a type this version does not know");
                LOG.info("skipping {}-{}@{}: record type '{}' is unknown to this version", record.topic(),
                        record.partition(), record.offset(), type);
                dealtWith.run();
            }
            case Outcome.Undecodable<T>(String reason) -> {
                count("rewind.ingest.records.undecodable", record.topic(), "records dead-lettered: they do not decode");
                LOG.warn("dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), reason);
                deadLetter(record, reason, dealtWith);
            }
        }
        return Optional.empty();
    }

    private void deadLetter(ConsumerRecord<String, byte[]> record, String reason, Runnable dealtWith) {
        DeadLetter letter = DeadLetter.ofRecord(record.key(), record.topic(), record.partition(), record.offset(), reason,
                record.value(), Instant.ofEpochMilli(record.timestamp()));
        try {
            deadLetters.send(new ProducerRecord<>(Topics.CHUNKS_DLQ, letter.sessionId(), letter), (metadata, error) -> {
                if (error != null) {
                    LOG.error("the dead letter of {}-{}@{} could not be written: {}", record.topic(), record.partition(),
                            record.offset(), error.toString());
                }
                dealtWith.run();
            });
        } catch (RuntimeException e) {
            LOG.error("the dead letter of {}-{}@{} could not be sent: {}", record.topic(), record.partition(),
                    record.offset(), e.toString());
            dealtWith.run();
        }
    }

    private void count(String name, String topic, String description) {
        Counter.builder(name).tag("topic", topic).description(description).register(meters).increment();
    }
}
