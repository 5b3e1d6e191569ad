package dev.rewind.edge;

import static org.awaitility.Awaitility.await;

import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.TopicSettings;
import dev.rewind.protocol.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes token events to {@code rewind.tokens} the way the stream processor does: inside
 * transactions, so read_committed readers see them only on commit and offsets skip the commit
 * markers. Not thread-safe; one writer per test thread.
 */
public final class TokenTopicWriter implements AutoCloseable {

    private final KafkaProducer<String, TokenEvent> producer;
    private TokenEvent terminal;

    public TokenTopicWriter(String bootstrapServers) {
        this.producer = new KafkaProducer<>(Map.of(
                "bootstrap.servers", bootstrapServers,
                "transactional.id", "edge-test-" + UUID.randomUUID(),
                "linger.ms", 0,
                "enable.idempotence", true), new StringSerializer(), Serdes.TOKEN);
        producer.initTransactions();
    }

    /**
     * Creates Rewind's topics with {@code partitions}; retried, because on a fresh, loaded broker the
     * provisioner's describe can run before the new topics' metadata has spread (UnknownTopicOrPartition).
     */
    public static void ensureTopics(KafkaBroker broker, int partitions) {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> broker.ensureRewindTopics(TopicSettings.singleBroker().withPartitions(partitions)).partitions() == partitions);
    }

    /** Commits {@code events} as one transaction. */
    public void commit(List<TokenEvent> events) {
        producer.beginTransaction();
        for (TokenEvent event : events) {
            producer.send(new ProducerRecord<>(Topics.TOKENS, event.sessionId(), event));
        }
        producer.commitTransaction();
        events.stream().filter(TokenEvent::isTerminal).forEach(event -> terminal = event);
    }

    /** The terminal event this writer committed by {@link #commit}, if any. */
    public java.util.Optional<TokenEvent> terminal() {
        return java.util.Optional.ofNullable(terminal);
    }

    /** Commits {@code events} as one transaction, the i-th with record timestamp {@code timestampsMs[i]} (epoch ms). */
    public void commitStamped(List<TokenEvent> events, long... timestampsMs) {
        producer.beginTransaction();
        for (int i = 0; i < events.size(); i++) {
            TokenEvent event = events.get(i);
            producer.send(new ProducerRecord<>(Topics.TOKENS, null, timestampsMs[i], event.sessionId(), event));
        }
        producer.commitTransaction();
    }

    public void commit(TokenEvent... events) {
        commit(List.of(events));
    }

    /** Writes {@code start}, one token per text, then {@code done}, one transaction per event. */
    public List<TokenEvent> conversation(String sessionId, String... texts) {
        List<TokenEvent> events = conversationEvents(sessionId, texts);
        for (TokenEvent event : events) {
            commit(event);
        }
        return events;
    }

    /** The events of a conversation: seq 1 start, the tokens, the terminal done. */
    public static List<TokenEvent> conversationEvents(String sessionId, String... texts) {
        List<TokenEvent> events = new ArrayList<>();
        long seq = 1;
        events.add(new TokenEvent.Start(sessionId, seq++, "sim", "sim-small"));
        for (String text : texts) {
            events.add(new TokenEvent.Token(sessionId, seq++, text));
        }
        events.add(new TokenEvent.Done(sessionId, seq, "stop", "stop", null));
        return events;
    }

    /** {@code count} numbered token texts: "t1 ", "t2 ", … */
    public static String[] numbered(int count) {
        String[] texts = new String[count];
        for (int i = 0; i < count; i++) {
            texts[i] = "t" + (i + 1) + " ";
        }
        return texts;
    }

    @Override
    public void close() {
        producer.close();
    }
}
