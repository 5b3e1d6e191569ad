package dev.rewind.ingest;

import dev.rewind.protocol.ControlRecord;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.Topics;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/** Writes Chat Completions start requests to rewind.requests and cancels to rewind.control, as the edge does, for ingest tests. */
final class RequestWriter implements AutoCloseable {

    private final KafkaProducer<String, RequestRecord> producer;
    private final KafkaProducer<String, ControlRecord> control;

    RequestWriter(String bootstrapServers) {
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrapServers), new StringSerializer(), Serdes.REQUEST);
        control = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrapServers), new StringSerializer(), Serdes.CONTROL);
    }

    /** Starts a new session asking {@code prompt + id} of {@code upstream}; returns its id. */
    String start(String upstream, String model, String prompt) {
        String id = SessionIds.newId();
        start(id, upstream, model, prompt + id);
        return id;
    }

    void start(String id, String upstream, String model, String prompt) {
        producer.send(new ProducerRecord<>(Topics.REQUESTS, id, new RequestRecord.Start(id, "test-owner", upstream,
                ProviderFormat.OPENAI_CHAT, model, List.of(RequestRecord.ChatMessage.text("user", prompt)),
                Json.MAPPER.createObjectNode(), Instant.now(), null)));
        producer.flush();
    }

    void cancel(String id) {
        control.send(new ProducerRecord<>(Topics.CONTROL, id, new ControlRecord.Cancel(id, "test-owner", "cancelled by the test", Instant.now())));
        control.flush();
    }

    @Override
    public void close() {
        control.close();
        producer.close();
    }
}
