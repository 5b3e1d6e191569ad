package dev.rewind.edge.stream;

import dev.rewind.protocol.EventId;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.SessionPartitioner;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one session's events from {@code rewind.tokens}: seeks straight to the cursor (an event
 * id's offset, or the time index at created_at minus the skew margin) and keeps only the session's
 * key, so the cost does not grow with the topic. Values of other sessions are never parsed.
 */
final class SessionEventReader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SessionEventReader.class);

    /** An event with the id that names its position. */
    record Positioned(EventId id, TokenEvent event) {}

    /** Where reading began; {@code gapFrom} is set when the asked-for position was already deleted by retention. */
    record Start(long offset, long afterSeq, EventId gapFrom) {}

    private final KafkaConsumer<String, byte[]> consumer;
    private final TopicPartition partition;
    private final String sessionId;
    private final Start start;
    private long lastSeq;

    private SessionEventReader(KafkaConsumer<String, byte[]> consumer, TopicPartition partition, String sessionId, Start start) {
        this.consumer = consumer;
        this.partition = partition;
        this.sessionId = sessionId;
        this.start = start;
        this.lastSeq = start.afterSeq();
    }

    /**
     * Opens a reader positioned at {@code cursor}. Throws {@link IllegalArgumentException} with a
     * client-facing reason for an event id of another partition or one past the end.
     */
    static SessionEventReader open(
            Map<String, Object> consumerConfig, String sessionId, int partitions, Instant createdAt, Cursor cursor,
            long skewMarginMs) {
        TopicPartition tp = new TopicPartition(Topics.TOKENS, SessionPartitioner.partitionFor(sessionId, partitions));
        KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
        try {
            consumer.assign(List.of(tp));
            Start start = position(consumer, tp, createdAt.minusMillis(skewMarginMs), cursor);
            consumer.seek(tp, start.offset());
            return new SessionEventReader(consumer, tp, sessionId, start);
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
    }

    private static Start position(KafkaConsumer<String, byte[]> consumer, TopicPartition tp, Instant since, Cursor cursor) {
        long beginning = consumer.beginningOffsets(List.of(tp)).get(tp);
        long end = consumer.endOffsets(List.of(tp)).get(tp);
        return switch (cursor) {
            case Cursor.After after -> {
                EventId id = after.id();
                if (id.partition() != tp.partition()) {
                    throw new IllegalArgumentException("Last-Event-ID does not belong to this session");
                }
                if (id.offset() >= end) {
                    throw new IllegalArgumentException("Last-Event-ID is past the end of the stream");
                }
                yield id.offset() + 1 < beginning
                        ? new Start(beginning, id.seq(), id)
                        : new Start(id.offset() + 1, id.seq(), null);
            }
            case Cursor.FromStart fromStart -> new Start(offsetAt(consumer, tp, since, end), 0, null);
            case Cursor.AfterSeq afterSeq -> new Start(offsetAt(consumer, tp, since, end), afterSeq.seq(), null);
            case Cursor.Live live -> new Start(end, -1, null);
        };
    }

    /** The first offset at or after {@code since} from Kafka's time index, or the end when nothing is that new. */
    private static long offsetAt(KafkaConsumer<String, byte[]> consumer, TopicPartition tp, Instant since, long end) {
        OffsetAndTimestamp found = consumer.offsetsForTimes(Map.of(tp, Math.max(0, since.toEpochMilli()))).get(tp);
        return found == null ? end : found.offset();
    }

    Start start() {
        return start;
    }

    /** The session's next events, in order, each once; empty when none arrived within {@code timeout}. */
    List<Positioned> poll(Duration timeout) {
        List<Positioned> events = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : consumer.poll(timeout)) {
            if (!sessionId.equals(record.key()) || record.value() == null) {
                continue;
            }
            TokenEvent event;
            try {
                event = Serdes.TOKEN.deserialize(record.topic(), record.value());
            } catch (SerializationException e) {
                LOG.warn("skipping unreadable record {}-{} of session {}", record.partition(), record.offset(), sessionId);
                continue;
            }
            // a live reader takes whatever comes next; a resumed one never repeats what it has seen
            if (lastSeq >= 0 && event.seq() <= lastSeq) {
                continue;
            }
            lastSeq = event.seq();
            events.add(new Positioned(new EventId(partition.partition(), record.offset(), event.seq()), event));
        }
        return events;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(1));
    }
}
