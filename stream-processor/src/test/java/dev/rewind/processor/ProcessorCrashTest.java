package dev.rewind.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The processor in its own JVM, killed with SIGKILL in the middle of a session — with a transaction
 * open, since tokens keep arriving — and started again on the same state directory, with dynamic and
 * with static group membership: a
 * {@code read_committed} reader sees every event of the session exactly once and in order, and the
 * test prints how long that reader saw nothing after the kill (docs/benchmarks.md).
 */
@WithKafka
class ProcessorCrashTest {

    private static final int TOKENS = 240;
    private static final int KILL_AFTER_TOKENS = 60;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "static membership: {0}")
    @ValueSource(booleans = {false, true})
    void aProcessorKilledMidSessionAndRestartedGivesReadCommittedReadersEveryEventExactlyOnceInOrder(boolean staticMembership,
            KafkaBroker broker) throws Exception {
        // right after the broker starts, creating topics can briefly fail with "does not host this topic-partition"
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> broker.ensureRewindTopics() != null);
        String applicationId = "crash-test-" + SessionIds.newId().substring(2, 10);
        String session = SessionIds.newId();
        List<Received> received = new CopyOnWriteArrayList<>();
        AtomicBoolean reading = new AtomicBoolean(true);
        Thread reader = Thread.ofVirtual().start(() -> read(broker.bootstrapServers(), session, received, reading));
        String instanceId = staticMembership ? applicationId + "-0" : "";
        Process processor = startProcessor(broker.bootstrapServers(), applicationId, instanceId, "first");
        Process restarted = null;
        try (KafkaProducer<String, RequestRecord> requests = new KafkaProducer<>(producerConfig(broker), new StringSerializer(), Serdes.REQUEST);
                KafkaProducer<String, ChunkRecord> chunks = new KafkaProducer<>(producerConfig(broker), new StringSerializer(), Serdes.CHUNK)) {
            requests.send(new ProducerRecord<>(Topics.REQUESTS, session, new RequestRecord.Start(session, "owner", "sim",
                    ProviderFormat.OPENAI_CHAT, "sim-small", List.of(RequestRecord.ChatMessage.text("user", "crash")),
                    Json.MAPPER.createObjectNode(), Instant.now(), null)));
            chunks.send(new ProducerRecord<>(Topics.CHUNKS, session, new ChunkRecord.AttemptStarted(session, 1, 200,
                    "text/event-stream", "sim", "sim-small", ProviderFormat.OPENAI_CHAT, Instant.now())));
            // tokens keep coming at an upstream's pace whatever the processor does: ingest does not wait for it
            Thread writer = Thread.ofVirtual().start(() -> writeTokens(chunks, session));
            await().atMost(Duration.ofSeconds(90)).until(() -> tokenCount(received) >= KILL_AFTER_TOKENS);

            System.out.println("killing the processor at " + Instant.now());
            int seenBeforeKill = received.size();
            processor.destroyForcibly().waitFor();
            restarted = startProcessor(broker.bootstrapServers(), applicationId, instanceId, "restarted");

            writer.join(Duration.ofSeconds(60));
            chunks.send(new ProducerRecord<>(Topics.CHUNKS, session, new ChunkRecord.AttemptEnded(session, 1,
                    ChunkRecord.AttemptOutcome.COMPLETED, "stream ended", false, Instant.now())));
            chunks.send(new ProducerRecord<>(Topics.CHUNKS, session, new ChunkRecord.SessionEnded(session, 1,
                    ChunkRecord.SessionOutcome.COMPLETED, "done", null, null, null, Instant.now())));
            chunks.flush();
            await().atMost(Duration.ofSeconds(120)).until(() -> !received.isEmpty() && received.getLast().event().isTerminal());

            // events committed just before the kill may still arrive after it: the wait is the longest silence around it
            long longestSilence = 0;
            for (int i = Math.max(1, seenBeforeKill - 10); i < received.size(); i++) {
                longestSilence = Math.max(longestSilence, received.get(i).at() - received.get(i - 1).at());
            }
            System.out.printf("kill -9 mid-session (%s membership): the read_committed reader saw no new event for %d ms "
                    + "(JVM start, group join, state restore, abort of the open transaction); %d events before the kill%n",
                    staticMembership ? "static" : "dynamic", longestSilence / 1_000_000, seenBeforeKill);

            List<TokenEvent> events = received.stream().map(Received::event).toList();
            assertThat(events).extracting(TokenEvent::seq).as("every seq once, in order")
                    .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, TOKENS + 2).boxed().toList());
            assertThat(events.getFirst()).isInstanceOf(TokenEvent.Start.class);
            List<String> texts = events.stream().filter(TokenEvent.Token.class::isInstance)
                    .map(e -> ((TokenEvent.Token) e).text()).toList();
            assertThat(texts).containsExactlyElementsOf(java.util.stream.IntStream.range(0, TOKENS).mapToObj(i -> "t" + i + " ").toList());
            assertThat(events.getLast()).isInstanceOf(TokenEvent.Done.class);
        } finally {
            reading.set(false);
            reader.join(Duration.ofSeconds(10));
            processor.destroyForcibly();
            if (restarted != null) {
                restarted.destroy();
                restarted.waitFor();
            }
        }
    }

    private record Received(TokenEvent event, long at) {}

    private static long tokenCount(List<Received> received) {
        return received.stream().filter(r -> r.event() instanceof TokenEvent.Token).count();
    }

    private static void writeTokens(KafkaProducer<String, ChunkRecord> chunks, String session) {
        for (int i = 0; i < TOKENS; i++) {
            String body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"t" + i + " \"}"
                    + (i == TOKENS - 1 ? ",\"finish_reason\":\"stop\"" : "") + "}]}\n\n" + (i == TOKENS - 1 ? "data: [DONE]\n\n" : "");
            chunks.send(new ProducerRecord<>(Topics.CHUNKS, session, new ChunkRecord.Chunk(session, 1, i + 1,
                    ProviderFormat.OPENAI_CHAT, body.getBytes(StandardCharsets.UTF_8), Instant.now())));
            chunks.flush();
            java.util.concurrent.locks.LockSupport.parkNanos(25_000_000); // an upstream's pace: 40 tokens/s
        }
    }

    private static void read(String bootstrap, String session, List<Received> received, AtomicBoolean reading) {
        try (KafkaConsumer<String, TokenEvent> consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", bootstrap, "isolation.level", "read_committed", "auto.offset.reset", "earliest",
                "enable.auto.commit", false), new StringDeserializer(), Serdes.TOKEN)) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.TOKENS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (reading.get()) {
                for (ConsumerRecord<String, TokenEvent> record : consumer.poll(Duration.ofMillis(20))) {
                    if (session.equals(record.key())) {
                        received.add(new Received(record.value(), System.nanoTime()));
                    }
                }
            }
        }
    }

    private static Map<String, Object> producerConfig(KafkaBroker broker) {
        return Map.of("bootstrap.servers", broker.bootstrapServers(), "linger.ms", 0, "acks", "all");
    }

    /** {@code ProcessorMain} in its own JVM, configured through the environment as in production. */
    private Process startProcessor(String bootstrap, String applicationId, String instanceId, String name) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dlog4j2.configurationFile=log4j2.xml", // the production logging, with the state changes
                "-cp", System.getProperty("java.class.path"), ProcessorMain.class.getName());
        Map<String, String> env = builder.environment();
        env.put("REWIND_KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        env.put("REWIND_TOPICS_PARTITIONS", "3");
        env.put("REWIND_OPS_PORT", "0");
        env.put("REWIND_APPLICATION_ID", applicationId);
        env.put("REWIND_GROUP_INSTANCE_ID", instanceId);
        env.put("REWIND_STATE_DIR", tmp.resolve("state").toString());
        Path logs = java.nio.file.Files.createDirectories(Path.of("target", "crash-test", applicationId));
        builder.redirectErrorStream(true).redirectOutput(logs.resolve(name + ".log").toFile());
        return builder.start();
    }
}
