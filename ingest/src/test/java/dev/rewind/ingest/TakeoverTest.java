package dev.rewind.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ChunkRecord.SessionOutcome;
import dev.rewind.sim.LlmSimulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker process killed with SIGKILL mid-stream: another worker of the group takes its partitions
 * over, re-runs the session that was in flight as a new attempt, and does not call upstream again
 * for a session that had already ended.
 */
@WithKafka
class TakeoverTest {

    private static final String GROUP = "ingest-takeover-test";
    private static UpstreamFixture fixture;
    private static LlmSimulator sim;
    private static RequestWriter requests;
    private static ChunkTopicReader chunks;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start(KafkaBroker broker) {
        fixture = UpstreamFixture.start(broker);
        sim = fixture.sim();
        requests = fixture.requests();
        chunks = fixture.chunks();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @Test
    void aKilledWorkersInFlightSessionIsRerunAsANewAttemptAndAFinishedOneIsNot(KafkaBroker broker) throws Exception {
        Process worker = startWorkerProcess(broker.bootstrapServers());
        try {
            String finished = start("sim-small");
            chunks.awaitSessionEnd(finished, Duration.ofSeconds(60));
            String inFlight = start("sim-small@stall-after=3x1");
            chunks.awaitFirst(inFlight, ChunkRecord.Chunk.class, Duration.ofSeconds(30));

            long killedAt = System.nanoTime();
            worker.destroyForcibly().waitFor();

            try (IngestService survivor = IngestService.start(config(broker.bootstrapServers()), Map.of())) {
                List<ChunkRecord> records = chunks.awaitSessionEnd(inFlight, Duration.ofSeconds(60));
                long takeoverMs = (System.nanoTime() - killedAt) / 1_000_000;
                System.out.println("takeover after kill -9: session ended " + takeoverMs + " ms after the kill");

                assertThat(records.stream().filter(ChunkRecord.AttemptStarted.class::isInstance)
                        .map(ChunkRecord::attempt).toList()).containsExactly(1, 2);
                // each run's records name the group generation it was taken in, the survivor's a later one than the killed
                // worker's: how the processor tells the two runs apart when they write the same attempt number
                List<Integer> generations = chunks.writerGenerations(inFlight);
                int killedRuns = generations.getFirst();
                assertThat(killedRuns).isPositive();
                assertThat(generations.getLast()).isGreaterThan(killedRuns);
                assertThat(generations).containsOnly(killedRuns, generations.getLast());
                ChunkRecord.SessionEnded end = (ChunkRecord.SessionEnded) records.getLast();
                assertThat(end.outcome()).isEqualTo(SessionOutcome.COMPLETED);
                assertThat(end.attempt()).isEqualTo(2);

                // the finished session's request may be read again by the survivor: it must not call upstream again
                String later = start("sim-small");
                chunks.awaitSessionEnd(later, Duration.ofSeconds(30));
                assertThat(sim.recentRequests().stream()
                        .filter(r -> r.body() != null && r.body().at("/messages/0/content").asText().contains(finished))
                        .count()).isEqualTo(1);
                assertThat(chunks.records(finished)).filteredOn(ChunkRecord.SessionEnded.class::isInstance).hasSize(1);
            }
        } finally {
            worker.destroyForcibly();
        }
    }

    /**
     * A worker frozen (SIGSTOP) past its session timeout loses its partitions while it sleeps; the
     * survivor re-runs the session as attempt 2 and ends it. The upstream goes on sending attempt 1
     * during the freeze, so the woken worker finds the rest of it waiting in its socket: it must write
     * none of it — no chunk, no marker (item 4 of issue 14). Before the freeze fence its reading thread
     * wrote those chunks in the instant before its consumer learned of the loss.
     */
    @Test
    void aWorkerFrozenPastItsSessionTimeoutWritesNothingForTheLostSessionWhenItWakes(KafkaBroker broker) throws Exception {
        Process worker = startWorkerProcess(broker.bootstrapServers());
        try {
            String inFlight = start("sim-small@length=40,tps=10");
            chunks.awaitFirst(inFlight, ChunkRecord.Chunk.class, Duration.ofSeconds(30));
            signal(worker, "STOP");
            List<ChunkRecord> ended;
            try (IngestService survivor = IngestService.start(config(broker.bootstrapServers()), Map.of())) {
                ended = chunks.awaitSessionEnd(inFlight, Duration.ofSeconds(60));
                assertThat(ended.getLast().attempt()).isEqualTo(2);

                signal(worker, "CONT");
                Path log = tmp.resolve("worker.log");
                // the woken worker notices its freeze, holds its writes, and learns that its partitions are gone
                // (before the fence it wrote the rest of attempt 1, even its ends, and never abandoned anything)
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    chunks.pollOnce();
                    return Files.readString(log).contains("session " + inFlight + " abandoned")
                            || chunks.records(inFlight).size() > ended.size();
                });
                assertThat(Files.readString(log)).contains("ingest worker was frozen for about");
                chunks.readToEnd(Duration.ofSeconds(30)); // whatever it wrote before it stopped the session
                List<ChunkRecord> all = chunks.records(inFlight);
                assertThat(all.subList(ended.size(), all.size())).as("records after the new owner ended the session")
                        .isEmpty();
                assertThat(all).filteredOn(ChunkRecord.AttemptEnded.class::isInstance).extracting(ChunkRecord::attempt)
                        .as("attempt 1 ended by nobody: its worker lost it").containsExactly(2);
            }
        } finally {
            signal(worker, "CONT");
            worker.destroyForcibly();
        }
    }

    private static void signal(Process process, String signal) throws Exception {
        new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    private static IngestConfig config(String bootstrap) {
        return TestSetup.ingestConfig("""
                kafka: {bootstrap_servers: "%s"}
                topics: {partitions: 3}
                group_id: %s
                upstreams: {sim: {format: openai-chat, base_url: "%s/v1"}}
                """.formatted(bootstrap, GROUP, sim.baseUrl()));
    }

    /** The worker as its own JVM (IngestMain), configured through the environment as in production. */
    private static Process startWorkerProcess(String bootstrap) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dlog4j2.configurationFile=log4j2.xml", // the production logging: what a worker did is in its log
                "-cp", System.getProperty("java.class.path"), IngestMain.class.getName());
        builder.environment().put("REWIND_KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        builder.environment().put("REWIND_TOPICS_PARTITIONS", "3");
        builder.environment().putAll(TestSetup.OPS_ANY_PORT);
        builder.environment().put("REWIND_GROUP_ID", GROUP);
        builder.environment().put("REWIND_UPSTREAMS_SIM_BASE_URL", sim.baseUrl() + "/v1");
        builder.redirectErrorStream(true).redirectOutput(tmp.resolve("worker.log").toFile());
        return builder.start();
    }

    private static String start(String model) {
        return requests.start("sim", model, "takeover ");
    }
}
