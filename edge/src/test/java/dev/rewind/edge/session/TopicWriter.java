package dev.rewind.edge.session;

import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.SessionSummary;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.Topics;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Writes what the processor and ingest would, straight into the topics, with the protocol's serdes. */
final class TopicWriter implements AutoCloseable {

    private final KafkaProducer<String, byte[]> producer;

    TopicWriter(String bootstrapServers) {
        this.producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrapServers, "linger.ms", 0),
                new StringSerializer(), new ByteArraySerializer());
    }

    void summary(SessionSummary summary) throws Exception {
        send(Topics.SESSIONS, summary.id(), Serdes.SESSION.serialize(Topics.SESSIONS, summary));
    }

    void request(RequestRecord.Start start) throws Exception {
        send(Topics.REQUESTS, start.sessionId(), Serdes.REQUEST.serialize(Topics.REQUESTS, start));
    }

    void tokens(TokenEvent... events) throws Exception {
        for (TokenEvent event : events) {
            send(Topics.TOKENS, event.sessionId(), Serdes.TOKEN.serialize(Topics.TOKENS, event));
        }
    }

    void chunks(ChunkRecord... records) throws Exception {
        for (ChunkRecord record : records) {
            send(Topics.CHUNKS, record.sessionId(), Serdes.CHUNK.serialize(Topics.CHUNKS, record));
        }
    }

    /** Any bytes under any key, as a broken or newer writer would leave them. */
    void raw(String topic, String key, byte[] value) throws Exception {
        send(topic, key, value);
    }

    private void send(String topic, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get(20, TimeUnit.SECONDS);
    }

    static SessionSummary summary(String id, String owner, Instant createdAt, SessionSummary.Status status) {
        return new SessionSummary(id, owner, "sim", ProviderFormat.OPENAI_CHAT, "sim-small", createdAt, status,
                List.of(new SessionSummary.Attempt(1, createdAt.plusMillis(5), 200, "completed", null, null)),
                3, null, 120L, 900L, null, null, null);
    }

    /** A summary of a turn of {@code conversationId}. */
    static SessionSummary turn(String id, String owner, Instant createdAt, SessionSummary.Status status, String conversationId) {
        SessionSummary s = summary(id, owner, createdAt, status);
        return new SessionSummary(s.id(), s.owner(), s.upstream(), s.providerFormat(), s.model(), s.createdAt(), s.status(),
                s.attempts(), s.tokenCount(), s.usage(), s.ttftMs(), s.durationMs(), s.error(), s.cancelledBy(), 0, conversationId);
    }

    @Override
    public void close() {
        producer.close();
    }
}
