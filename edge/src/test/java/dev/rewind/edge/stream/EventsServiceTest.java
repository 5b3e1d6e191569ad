package dev.rewind.edge.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.EdgeTestClient;
import dev.rewind.edge.EdgeTestClient.CreatedSession;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.edge.TokenTopicWriter;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.EventId;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.SessionPartitioner;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** SSE streaming against a real broker: events written to rewind.tokens reach the client with ids, and resume by id. */
@WithKafka
class EventsServiceTest {

    private static final int PARTITIONS = 3;
    private static EdgeServer edge;
    private static KafkaProducer<String, TokenEvent> tokens;
    private static KafkaProducer<String, String> rawTokens;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start(KafkaBroker broker) {
        TokenTopicWriter.ensureTopics(broker, PARTITIONS);
        edge = EdgeServer.start(EdgeTestConfig.forBroker(broker.bootstrapServers(), PARTITIONS, """
                http: {cors_origins: ["https://app.example"]}
                sse: {queue_events: 64, queue_bytes: 65536, write_timeout_ms: 2000}
                """), Clock.systemUTC());
        tokens = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers(), "linger.ms", 0),
                new StringSerializer(), Serdes.TOKEN);
        rawTokens = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers(), "linger.ms", 0),
                new StringSerializer(), new StringSerializer());
    }

    @AfterAll
    static void stop() {
        tokens.close();
        rawTokens.close();
        edge.close();
    }

    @Test
    void streamsEveryEventInOrderWithPositionIdsAndEndsAfterTheTerminalEvent() throws Exception {
        CreatedSession session = createSession();
        writeConversation(session.id(), "Hello", " durable", " world");
        try (SseConnection sse = SseConnection.open(HTTP, eventsUri(session), bearer(session.token()))) {
            assertThat(sse.status()).isEqualTo(200);
            assertThat(sse.header("content-type")).startsWith("text/event-stream");
            assertThat(sse.header("cache-control")).isEqualTo("no-cache");
            assertThat(sse.header("x-accel-buffering")).isEqualTo("no");
            await().atMost(Duration.ofSeconds(20)).until(sse::ended);

            List<SseConnection.Event> events = sse.events();
            assertThat(events).extracting(SseConnection.Event::event)
                    .containsExactly("start", "token", "token", "token", "done");
            assertThat(events).extracting(e -> e.json().get("seq").asLong()).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(sse.text()).isEqualTo("Hello durable world");
            for (SseConnection.Event event : events) {
                EventId id = EventId.parse(event.id());
                assertThat(id.partition()).isEqualTo(SessionPartitioner.partitionFor(session.id(), PARTITIONS));
                assertThat(id.seq()).isEqualTo(event.json().get("seq").asLong());
            }
        }
    }

    @Test
    void resumesRightAfterLastEventIdWithoutGapOrDuplicate() throws Exception {
        CreatedSession session = createSession();
        writeConversation(session.id(), "one", " two", " three", " four");
        List<SseConnection.Event> all = readAll(session, Map.of());
        SseConnection.Event third = all.get(2);

        List<SseConnection.Event> resumed = readAll(session, Map.of("Last-Event-ID", third.id()));
        assertThat(resumed).isEqualTo(all.subList(3, all.size()));

        // the query parameter works too (EventSource cannot set headers on the first connection)
        List<SseConnection.Event> byQuery = readAllFrom(
                URI.create(eventsUri(session) + "?last_event_id=" + third.id()), session);
        assertThat(byQuery).isEqualTo(all.subList(3, all.size()));
    }

    @Test
    void aSessionCreatedOnThisEdgeIsStreamedFromItsWindowWithoutReadingKafka() throws Exception {
        String fromMemory = "rewind_edge_streams_opened_total{cursor=\"start\",source=\"memory\"}";
        String fromKafka = "rewind_edge_streams_opened_total{cursor=\"start\",source=\"kafka\"}";
        double memoryBefore = metric(fromMemory);
        double kafkaBefore = metric(fromKafka);
        double readsBefore = metric("rewind_edge_replay_reads_total");
        CreatedSession session = createSession();
        writeConversation(session.id(), "served", " from", " memory");

        assertThat(readAll(session, Map.of())).extracting(e -> e.json().get("seq").asLong()).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(metric(fromMemory)).isEqualTo(memoryBefore + 1);
        assertThat(metric(fromKafka)).isEqualTo(kafkaBefore);
        assertThat(metric("rewind_edge_replay_reads_total")).isEqualTo(readsBefore);
    }

    @Test
    void anEventIsSentAsItsRecordWasWrittenAndOnOneLineWhenTheRecordSpansSeveral() throws Exception {
        CreatedSession session = createSession();
        String id = session.id();
        send(new TokenEvent.Start(id, 1, "sim", "sim-small"));
        String newer = "{\"type\":\"token\",\"session_id\":\"" + id + "\",\"seq\":2,\"text\":\"as written\",\"added_later\":true}";
        String pretty = "{\n  \"type\": \"token\",\n  \"session_id\": \"" + id + "\",\n  \"seq\": 3,\n  \"text\": \" on one line\"\n}";
        rawTokens.send(new ProducerRecord<>(Topics.TOKENS, id, newer)).get();
        rawTokens.send(new ProducerRecord<>(Topics.TOKENS, id, pretty)).get();
        send(new TokenEvent.Done(id, 4, "stop", "stop", null));

        List<SseConnection.Event> events = readAll(session, Map.of());
        assertThat(events).extracting(SseConnection.Event::event).containsExactly("start", "token", "token", "done");
        assertThat(events.get(1).data()).as("passed through, a field this edge does not know included").isEqualTo(newer);
        assertThat(events.get(2).data()).doesNotContain("\n").isEqualTo(Json.toString(new TokenEvent.Token(id, 3, " on one line")));
    }

    @Test
    void clientConnectingBeforeTheFirstEventWaitsWithHeartbeats() throws Exception {
        CreatedSession session = createSession();
        try (SseConnection sse = SseConnection.open(HTTP, eventsUri(session), bearer(session.token()))) {
            assertThat(sse.status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> sse.comments().contains("ping"));
            writeConversation(session.id(), "late", " but", " whole");
            await().atMost(Duration.ofSeconds(20)).until(sse::ended);
            assertThat(sse.text()).isEqualTo("late but whole");
        }
    }

    @Test
    void deliversOnlyTheSessionsOwnEvents() throws Exception {
        CreatedSession mine = createSession();
        CreatedSession other = createSession();
        writeConversation(other.id(), "not", " mine");
        writeConversation(mine.id(), "mine");
        List<SseConnection.Event> events = readAll(mine, Map.of());
        assertThat(events).allSatisfy(e -> assertThat(e.json().get("session_id").asText()).isEqualTo(mine.id()));
        assertThat(events).extracting(SseConnection.Event::event).containsExactly("start", "token", "done");
    }

    @Test
    void refusesMissingBadAndForeignTokens() throws Exception {
        CreatedSession mine = createSession();
        CreatedSession other = createSession();
        assertProblem(get(eventsUri(mine), Map.of()), 401);
        assertProblem(get(eventsUri(mine), bearer("rt1.k1.garbage.garbage")), 401);
        assertProblem(get(eventsUri(mine), bearer(other.token())), 403);
        assertProblem(get(URI.create(base() + "/v1/sessions/not-a-session/events"), bearer(mine.token())), 404);
    }

    @Test
    void refusesGarbageAndForeignLastEventIds() throws Exception {
        CreatedSession session = createSession();
        assertProblem(get(eventsUri(session), withLastEventId(session, "garbage")), 400);
        int wrongPartition = (SessionPartitioner.partitionFor(session.id(), PARTITIONS) + 1) % PARTITIONS;
        assertProblem(get(eventsUri(session), withLastEventId(session, wrongPartition + "-0-1")), 400);
        int partition = SessionPartitioner.partitionFor(session.id(), PARTITIONS);
        assertProblem(get(eventsUri(session), withLastEventId(session, partition + "-999999999-1")), 400);
        assertProblem(get(URI.create(eventsUri(session) + "?from=yesterday"), bearer(session.token())), 400);
    }

    @Test
    void refusesAnIdOfAnotherSessionInTheSamePartition() throws Exception {
        CreatedSession mine = createSession();
        CreatedSession other;
        do {
            other = createSession();
        } while (SessionPartitioner.partitionFor(other.id(), PARTITIONS) != SessionPartitioner.partitionFor(mine.id(), PARTITIONS));
        writeConversation(other.id(), "theirs");
        writeConversation(mine.id(), "mine");
        String foreign = readAll(other, Map.of()).get(1).id();
        assertProblem(get(eventsUri(mine), withLastEventId(mine, foreign)), 400);
    }

    @Test
    void answers204ForAFinishedSessionWithNothingAfterTheCursor() throws Exception {
        CreatedSession session = createSession();
        writeConversation(session.id(), "all", " of", " it");
        List<SseConnection.Event> all = readAll(session, Map.of());
        HttpResponse<String> after = get(eventsUri(session), withLastEventId(session, all.getLast().id()));
        assertThat(after.statusCode()).as(after.body()).isEqualTo(204);
        assertThat(after.body()).isEmpty();
        long lastSeq = all.getLast().json().get("seq").asLong();
        HttpResponse<String> afterSeq = get(URI.create(eventsUri(session) + "?from=seq:" + lastSeq), bearer(session.token()));
        assertThat(afterSeq.statusCode()).as(afterSeq.body()).isEqualTo(204);
    }

    @Test
    void answersCorsForAllowedOriginsOnly() throws Exception {
        CreatedSession session = createSession();
        writeConversation(session.id(), "x");
        Map<String, String> allowed = new java.util.HashMap<>(bearer(session.token()));
        allowed.put("Origin", "https://app.example");
        try (SseConnection sse = SseConnection.open(HTTP, eventsUri(session), allowed)) {
            assertThat(sse.header("access-control-allow-origin")).isEqualTo("https://app.example");
        }
        Map<String, String> foreign = new java.util.HashMap<>(bearer(session.token()));
        foreign.put("Origin", "https://evil.example");
        try (SseConnection sse = SseConnection.open(HTTP, eventsUri(session), foreign)) {
            assertThat(sse.header("access-control-allow-origin")).isNull();
        }
        HttpResponse<String> preflight = HTTP.send(HttpRequest.newBuilder(eventsUri(session))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://app.example").header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "authorization, last-event-id").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight.headers().firstValue("access-control-allow-origin")).hasValue("https://app.example");
        assertThat(preflight.headers().firstValue("access-control-allow-headers").orElseThrow()).contains("Last-Event-ID");
        HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(eventsUri(session))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://evil.example").header("Access-Control-Request-Method", "GET").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(403);
    }

    /**
     * A client that reads its first event and then stops reading: the socket buffers fill, its
     * queue (64 events) overflows, and the edge cuts it; memory stays bounded. It resumes by id.
     */
    @Test
    void cutsAClientThatStopsReadingAndLetsItResumeById() throws Exception {
        CreatedSession session = createSession();
        send(new TokenEvent.Start(session.id(), 1, "sim", "sim-small"));
        double dropsBefore = metric("rewind_edge_queue_drops_total");
        String firstId;
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", edge.port())) {
            socket.setReceiveBufferSize(4096);
            socket.getOutputStream().write(("GET /v1/sessions/" + session.id() + "/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: Bearer " + session.token() + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            java.io.BufferedReader lines = new java.io.BufferedReader(
                    new java.io.InputStreamReader(socket.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            String line;
            while (!(line = lines.readLine()).startsWith("id: ")) {
                // headers and the retry hint
            }
            firstId = line.substring(4);
            // about 6 MB of events while the client reads nothing more
            String kilobyte = "x".repeat(1024);
            long seq = 2;
            for (int batch = 0; batch < 60; batch++) {
                for (int i = 0; i < 100; i++) {
                    tokens.send(new ProducerRecord<>(Topics.TOKENS, session.id(), new TokenEvent.Token(session.id(), seq++, kilobyte)));
                }
                tokens.flush();
            }
            send(new TokenEvent.Done(session.id(), seq, "stop", "stop", null));
            await().atMost(Duration.ofSeconds(60)).until(() -> metric("rewind_edge_queue_drops_total") > dropsBefore);
            await().atMost(Duration.ofSeconds(30)).until(() -> metric("rewind_edge_connections{transport=\"sse\"}") == 0);
        }
        List<SseConnection.Event> rest = readAll(session, Map.of("Last-Event-ID", firstId));
        assertThat(rest).hasSize(6001);
        assertThat(rest).extracting(e -> e.json().get("seq").asLong()).isEqualTo(
                java.util.stream.LongStream.rangeClosed(2, 6002).boxed().toList());
    }

    @Test
    void reportsHealthReadinessAndPrometheusMetrics() throws Exception {
        HttpResponse<String> live = get(URI.create(base() + "/health/live"), Map.of());
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(get(URI.create(base() + "/health"), Map.of()).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> get(URI.create(base() + "/health/ready"), Map.of()).statusCode() == 200);
        assertThat(Json.fromString(get(URI.create(base() + "/health/ready"), Map.of()).body(), JsonNode.class)
                .get("status").asText()).isEqualTo("UP");

        CreatedSession session = createSession();
        writeConversation(session.id(), "counted");
        readAll(session, Map.of());
        HttpResponse<String> metrics = get(URI.create(base() + "/metrics"), Map.of());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("content-type").orElseThrow()).startsWith("text/plain");
        assertThat(metrics.body()).contains("rewind_edge_connections{transport=\"sse\"}", "rewind_edge_events_delivered_total",
                "rewind_edge_streams_opened_total", "rewind_edge_replay_reads_total", "rewind_edge_queue_drops_total",
                "rewind_edge_hub_lag_records", "jvm_memory_used_bytes");
        assertThat(metric("rewind_edge_events_delivered_total{transport=\"sse\"}")).isGreaterThanOrEqualTo(3);
    }

    /** The value of one Prometheus sample line, by its name and labels as written; 0 when absent. */
    private static double metric(String sample) throws Exception {
        for (String line : get(URI.create(base() + "/metrics"), Map.of()).body().split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).strip());
            }
        }
        return 0;
    }

    private static void assertProblem(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
        JsonNode body = Json.fromString(response.body(), JsonNode.class);
        assertThat(body.get("status").asInt()).isEqualTo(status);
        assertThat(body.get("title").asText()).isNotBlank();
        assertThat(body.get("detail").asText()).isNotBlank();
    }

    private static Map<String, String> withLastEventId(CreatedSession session, String id) {
        return Map.of("Authorization", "Bearer " + session.token(), "Last-Event-ID", id);
    }

    private static List<SseConnection.Event> readAll(CreatedSession session, Map<String, String> extraHeaders) throws Exception {
        Map<String, String> headers = new java.util.HashMap<>(bearer(session.token()));
        headers.putAll(extraHeaders);
        try (SseConnection sse = SseConnection.open(HTTP, eventsUri(session), headers)) {
            assertThat(sse.status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(20)).until(sse::ended);
            return sse.events();
        }
    }

    private static List<SseConnection.Event> readAllFrom(URI uri, CreatedSession session) throws Exception {
        try (SseConnection sse = SseConnection.open(HTTP, uri, bearer(session.token()))) {
            assertThat(sse.status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(20)).until(sse::ended);
            return sse.events();
        }
    }

    private static void writeConversation(String sessionId, String... texts) throws Exception {
        long seq = 1;
        send(new TokenEvent.Start(sessionId, seq++, "sim", "sim-small"));
        for (String text : texts) {
            send(new TokenEvent.Token(sessionId, seq++, text));
        }
        send(new TokenEvent.Done(sessionId, seq, "stop", "stop", null));
        tokens.flush();
    }

    private static void send(TokenEvent event) throws Exception {
        tokens.send(new ProducerRecord<>(Topics.TOKENS, event.sessionId(), event)).get();
    }

    private static CreatedSession createSession() throws Exception {
        return EdgeTestClient.createSession(HTTP, base(), EdgeTestConfig.API_KEY, "hi");
    }

    private static HttpResponse<String> get(URI uri, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET();
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    private static URI eventsUri(CreatedSession session) {
        return EdgeTestClient.eventsUri(base(), session.id());
    }

    private static String base() {
        return "http://127.0.0.1:" + edge.port();
    }
}
