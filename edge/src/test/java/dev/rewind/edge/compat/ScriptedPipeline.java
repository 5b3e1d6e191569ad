package dev.rewind.edge.compat;

import dev.rewind.edge.TokenTopicWriter;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.SessionSummary;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Stands in for ingest and the processor in the compat tests: reads each new {@code start} from
 * {@code rewind.requests} and answers it by writing token events the processor's way
 * (transactions), as scripted by the start's last message text, with the session's summary in
 * {@code rewind.sessions} as the processor writes it: pending on the start (before any event), then
 * the status of the terminal event the script wrote. Every start seen is recorded.
 */
final class ScriptedPipeline implements AutoCloseable {

    private final KafkaConsumer<String, RequestRecord> requests;
    private final KafkaProducer<String, SessionSummary> summaries;
    private final Map<String, BiConsumer<String, TokenTopicWriter>> scripts;
    private final String bootstrapServers;
    private final Map<String, RequestRecord.Start> starts = new ConcurrentHashMap<>();
    private final ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor();
    private final Thread reader;
    private volatile boolean running = true;

    /** {@code scripts}: by the text of a start's last message, what to write for its session id. */
    ScriptedPipeline(String bootstrapServers, int partitions, Map<String, BiConsumer<String, TokenTopicWriter>> scripts) {
        this.bootstrapServers = bootstrapServers;
        this.scripts = Map.copyOf(scripts);
        this.requests = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrapServers, "isolation.level", "read_committed"),
                new StringDeserializer(), Serdes.REQUEST);
        List<TopicPartition> all = java.util.stream.IntStream.range(0, partitions)
                .mapToObj(p -> new TopicPartition(Topics.REQUESTS, p)).toList();
        this.summaries = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrapServers, "linger.ms", 0),
                new StringSerializer(), Serdes.SESSION);
        requests.assign(all);
        requests.seekToEnd(all);
        all.forEach(requests::position);
        this.reader = Thread.ofPlatform().name("scripted-pipeline").daemon(true).start(this::run);
    }

    private void run() {
        Set<String> answered = ConcurrentHashMap.newKeySet();
        while (running) {
            for (ConsumerRecord<String, RequestRecord> record : requests.poll(Duration.ofMillis(50))) {
                if (record.value() instanceof RequestRecord.Start start && answered.add(start.sessionId())) {
                    starts.put(start.sessionId(), start);
                    String prompt = start.messages().getLast().content().asText();
                    BiConsumer<String, TokenTopicWriter> script = scripts.get(prompt);
                    if (script != null) {
                        summary(start, SessionSummary.Status.PENDING);
                        writers.submit(() -> {
                            try (TokenTopicWriter writer = new TokenTopicWriter(bootstrapServers)) {
                                script.accept(start.sessionId(), writer);
                                writer.terminal().ifPresent(end -> summary(start, switch (end) {
                                    case TokenEvent.Done done -> SessionSummary.Status.COMPLETED;
                                    case TokenEvent.Cancelled cancelled -> SessionSummary.Status.CANCELLED;
                                    default -> SessionSummary.Status.FAILED;
                                }));
                            }
                        });
                    }
                }
            }
        }
        requests.close();
    }

    private void summary(RequestRecord.Start start, SessionSummary.Status status) {
        try {
            summaries.send(new ProducerRecord<>(Topics.SESSIONS, start.sessionId(), new SessionSummary(start.sessionId(),
                    start.owner(), start.upstream(), start.providerFormat(), start.model(), start.createdAt(), status, List.of(),
                    0, null, null, null, null, null, 0, start.conversationId()))).get(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot write the summary of " + start.sessionId(), e);
        }
    }

    /** The start request of {@code sessionId}, once read. */
    RequestRecord.Start start(String sessionId) {
        return starts.get(sessionId);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        reader.join(5_000);
        writers.shutdownNow();
        summaries.close();
    }
}
