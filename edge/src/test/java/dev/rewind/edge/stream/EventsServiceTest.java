package dev.rewind.edge.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.EdgeTestClient;
import dev.rewind.edge.EdgeTestClient.CreatedSession;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.EventId;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.SessionPartitioner;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.TopicSettings;
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
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start(KafkaBroker broker) {
        broker.ensureRewindTopics(TopicSettings.singleBroker().withPartitions(PARTITIONS));
        edge = EdgeServer.start(EdgeTestConfig.forBroker(broker.bootstrapServers(), PARTITIONS), Clock.systemUTC());
        tokens = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers(), "linger.ms", 0),
                new StringSerializer(), Serdes.TOKEN);
    }

    @AfterAll
    static void stop() {
        tokens.close();
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
