package dev.rewind.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rewind.edge.EdgeTestClient;
import dev.rewind.edge.EdgeTestClient.CreatedSession;
import dev.rewind.edge.stream.SseConnection;
import dev.rewind.kafkatest.RawRecords;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.DeadLetter;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.Topics;
import dev.rewind.sim.RecordedRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad records on every topic Rewind reads, written while 50 sessions stream through the whole stack
 * (issue 14, item 13): every session still ends exact, every bad record that a reader must decode is
 * in the DLQ with its reason, every service stays ready, and the counters show them.
 */
class PoisonRecordsStackTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int SESSIONS = 50;
    private static final Duration WITHIN = Duration.ofSeconds(90);

    @TempDir
    Path dataDir;

    @Test
    void badRecordsOnEveryTopicCostOnlyThemselves() throws Exception {
        int[] ports = Ports.freeLoopbackPorts(6);
        StandaloneConfig config = StandaloneConfig.onLoopback(dataDir, ports, "tokens_per_second: 30, first_token_delay_ms: 50",
                "edge: {rate_limit: {sessions_per_period: 100000, period_ms: 1000}}");
        try (Standalone stack = Standalone.start(config);
                RawRecords raw = new RawRecords("127.0.0.1:" + ports[2])) {
            String base = "http://127.0.0.1:" + stack.httpPort();
            List<CreatedSession> sessions = new ArrayList<>();
            List<SseConnection> streams = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++) {
                CreatedSession created = EdgeTestClient.createSession(HTTP, base, stack.demoApiKey(), "poison " + i);
                sessions.add(created);
                streams.add(SseConnection.open(HTTP, URI.create(base + "/v1/sessions/" + created.id() + "/events"),
                        created.bearer()));
            }
            String live = sessions.getFirst().id();
            await().atMost(WITHIN).until(() -> streams.getFirst().events().size() > 2);

            byte[] garbage = "\u0000not json {".getBytes(StandardCharsets.UTF_8);
            byte[] huge = new byte[600 * 1024];
            Arrays.fill(huge, (byte) 'x');
            String unknownType = "{\"type\": \"from_the_future\", \"session_id\": \"%s\"}";
            String stranger = SessionIds.newId();
            List<RecordMetadata> mustBeDeadLettered = new ArrayList<>();
            // ingest and the processor read requests; ingest reads control; the processor reads chunks
            mustBeDeadLettered.add(raw.write(Topics.REQUESTS, stranger, garbage));
            mustBeDeadLettered.add(raw.write(Topics.REQUESTS, stranger, huge));
            raw.write(Topics.REQUESTS, stranger, unknownType.formatted(stranger));
            mustBeDeadLettered.add(raw.write(Topics.CONTROL, live, garbage));
            raw.write(Topics.CONTROL, live, unknownType.formatted(live));
            mustBeDeadLettered.add(raw.write(Topics.CHUNKS, live, garbage));
            raw.write(Topics.CHUNKS, live, unknownType.formatted(live));
            // a chunk whose key is another session's, a chunk of a session nobody started, a stale attempt's end
            mustBeDeadLettered.add(raw.write(Topics.CHUNKS, sessions.get(1).id(), Json.toBytes(chunk(live))));
            mustBeDeadLettered.add(raw.write(Topics.CHUNKS, stranger, Json.toBytes(chunk(stranger))));
            mustBeDeadLettered.add(raw.write(Topics.CHUNKS, live, Json.toBytes(new ChunkRecord.AttemptEnded(live, 0,
                    ChunkRecord.AttemptOutcome.FAILED, "a frozen worker woke up", false, Instant.now()))));
            // the edge reads tokens (for sessions it serves) and summaries
            mustBeDeadLettered.add(raw.write(Topics.TOKENS, live, garbage));
            raw.write(Topics.TOKENS, live, unknownType.formatted(live));
            mustBeDeadLettered.add(raw.write(Topics.SESSIONS, live, garbage));

            for (int i = 0; i < SESSIONS; i++) {
                SseConnection stream = streams.get(i);
                await().atMost(WITHIN).until(stream::ended);
                List<SseConnection.Event> events = stream.events();
                assertThat(events.getLast().event()).as("session %d", i).isEqualTo("done");
                assertThat(events).extracting(e -> e.json().get("seq").asLong())
                        .as("session %d: every event once, in order", i)
                        .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, events.size()).boxed().toList());
                assertThat(transcript(events)).as("session %d", i).isEqualTo(planned(stack, "poison " + i));
                stream.close();
            }
            for (RecordMetadata bad : mustBeDeadLettered) {
                DeadLetter letter = raw.awaitDeadLetter(bad, WITHIN);
                assertThat(letter.reason()).as("%s-%d@%d", bad.topic(), bad.partition(), bad.offset()).isNotBlank();
            }
            assertThat(status(base + "/health/ready")).isEqualTo(200);
            assertThat(status("http://127.0.0.1:" + config.ops().ingestPort() + "/health/ready")).isEqualTo(200);
            assertThat(status("http://127.0.0.1:" + config.ops().processorPort() + "/health/ready")).isEqualTo(200);
            assertThat(metrics("http://127.0.0.1:" + config.ops().ingestPort() + "/metrics"))
                    .contains("rewind_ingest_records_undecodable_total{topic=\"rewind.requests\"}")
                    .contains("rewind_ingest_records_undecodable_total{topic=\"rewind.control\"}")
                    .contains("rewind_ingest_records_unknown_type_total");
            assertThat(metrics("http://127.0.0.1:" + config.ops().processorPort() + "/metrics"))
                    .contains("rewind_processor_dead_letters_total")
                    .contains("rewind_processor_skipped_records_total");
            assertThat(metrics(base + "/metrics")).contains("rewind_edge_records_undecodable_total");

            // and the stack still takes new work
            CreatedSession after = EdgeTestClient.createSession(HTTP, base, stack.demoApiKey(), "after the poison");
            try (SseConnection stream = SseConnection.open(HTTP, URI.create(base + "/v1/sessions/" + after.id() + "/events"),
                    after.bearer())) {
                await().atMost(WITHIN).until(stream::ended);
                assertThat(transcript(stream.events())).isEqualTo(planned(stack, "after the poison"));
            }
        }
    }

    private static ChunkRecord.Chunk chunk(String sessionId) {
        return new ChunkRecord.Chunk(sessionId, 1, 999, ProviderFormat.OPENAI_CHAT,
                "data: {\"choices\":[{\"delta\":{\"content\":\"injected\"}}]}\n\n".getBytes(StandardCharsets.UTF_8), Instant.now());
    }

    private static String transcript(List<SseConnection.Event> events) {
        StringBuilder text = new StringBuilder();
        for (SseConnection.Event event : events) {
            if (event.event().equals("reset")) {
                text.setLength(0);
            } else if (event.event().equals("token")) {
                text.append(event.json().get("text").asText());
            }
        }
        return text.toString();
    }

    private static String planned(Standalone stack, String prompt) {
        RecordedRequest request = stack.simulator().recentRequests().stream()
                .filter(r -> r.body() != null && r.body().at("/messages/0/content").asText().equals(prompt))
                .reduce((first, later) -> later)
                .orElseThrow(() -> new AssertionError("the simulator never got " + prompt));
        return request.plan().text();
    }

    private static int status(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String metrics(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
