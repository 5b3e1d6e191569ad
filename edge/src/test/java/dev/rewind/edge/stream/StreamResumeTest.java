package dev.rewind.edge.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.EdgeTestClient;
import dev.rewind.edge.EdgeTestClient.CreatedSession;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.edge.TokenTopicWriter;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.TokenEvent;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Exactly-once display across reconnects (DESIGN §6.1, §6.2) over real SSE: clients that drop at
 * random points and resume with Last-Event-ID rebuild exactly the session, for a session being
 * written and for a finished one; across an edge restart; and from two edge instances at once.
 */
@WithKafka
class StreamResumeTest {

    private static final int PARTITIONS = 3;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static KafkaBroker broker;
    private static EdgeServer edge;

    @BeforeAll
    static void start(KafkaBroker kafka) {
        broker = kafka;
        TokenTopicWriter.ensureTopics(broker, PARTITIONS);
        // a small window, so that resumes exercise both memory and Kafka
        edge = EdgeServer.start(newConfig(), Clock.systemUTC());
    }

    /** Each edge instance gets its own session store (RocksDB locks its directory). */
    private static EdgeConfig newConfig() {
        return EdgeTestConfig.forBroker(broker.bootstrapServers(), PARTITIONS, "hub: {window_events: 32}");
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    @Test
    void clientsDroppingAtRandomPointsRebuildALiveSessionExactly() throws Exception {
        CreatedSession session = createSession(edge);
        List<TokenEvent> events = TokenTopicWriter.conversationEvents(session.id(), TokenTopicWriter.numbered(240));
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        try (TokenTopicWriter writer = new TokenTopicWriter(broker.bootstrapServers())) {
            List<Future<List<SseConnection.Event>>> clients = new ArrayList<>();
            for (int c = 0; c < 16; c++) {
                clients.add(threads.submit(() -> readWithRandomDrops(edge, session)));
            }
            for (int i = 0; i < events.size(); ) {
                int n = Math.min(events.size() - i, 1 + ThreadLocalRandom.current().nextInt(3));
                writer.commit(events.subList(i, i + n));
                i += n;
            }
            for (Future<List<SseConnection.Event>> client : clients) {
                assertExactly(client.get(120, TimeUnit.SECONDS), events);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void clientsDroppingAtRandomPointsRebuildAFinishedSessionExactly() throws Exception {
        CreatedSession session = createSession(edge);
        List<TokenEvent> events;
        try (TokenTopicWriter writer = new TokenTopicWriter(broker.bootstrapServers())) {
            events = TokenTopicWriter.conversationEvents(session.id(), TokenTopicWriter.numbered(160));
            for (int i = 0; i < events.size(); i += 4) {
                writer.commit(events.subList(i, Math.min(events.size(), i + 4)));
            }
        }
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        try {
            List<Future<List<SseConnection.Event>>> clients = new ArrayList<>();
            for (int c = 0; c < 16; c++) {
                clients.add(threads.submit(() -> readWithRandomDrops(edge, session)));
            }
            for (Future<List<SseConnection.Event>> client : clients) {
                assertExactly(client.get(120, TimeUnit.SECONDS), events);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aClientResumesOnAnotherEdgeAfterItsEdgeShutsDownMidStream() throws Exception {
        EdgeServer first = EdgeServer.start(newConfig(), Clock.systemUTC());
        EdgeServer second = null;
        try (TokenTopicWriter writer = new TokenTopicWriter(broker.bootstrapServers())) {
            CreatedSession session = createSession(first);
            List<TokenEvent> events = TokenTopicWriter.conversationEvents(session.id(), TokenTopicWriter.numbered(60));
            List<SseConnection.Event> seen = new ArrayList<>();
            try (SseConnection sse = SseConnection.open(HTTP, EdgeTestClient.eventsUri(base(first), session.id()), session.bearer())) {
                writer.commit(events.subList(0, 20));
                await().atMost(Duration.ofSeconds(20)).until(() -> sse.events().size() == 20);
                // graceful shutdown: the stream ends with a reason, nothing queued is dropped
                first.close();
                await().atMost(Duration.ofSeconds(20)).until(sse::ended);
                assertThat(sse.comments()).anyMatch(comment -> comment.startsWith("edge shutting down"));
                seen.addAll(sse.events());
            }
            writer.commit(events.subList(20, 40));
            second = EdgeServer.start(newConfig(), Clock.systemUTC());
            Map<String, String> resume = new HashMap<>(session.bearer());
            resume.put("Last-Event-ID", seen.getLast().id());
            try (SseConnection sse = SseConnection.open(HTTP, EdgeTestClient.eventsUri(base(second), session.id()), resume)) {
                assertThat(sse.status()).isEqualTo(200);
                writer.commit(events.subList(40, events.size()));
                await().atMost(Duration.ofSeconds(30)).until(sse::ended);
                seen.addAll(sse.events());
            }
            assertExactly(seen, events);
        } finally {
            if (second != null) {
                second.close();
            }
        }
    }

    @Test
    void twoEdgeInstancesServeOneSessionIdentically() throws Exception {
        EdgeServer other = EdgeServer.start(newConfig(), Clock.systemUTC());
        try (TokenTopicWriter writer = new TokenTopicWriter(broker.bootstrapServers())) {
            CreatedSession session = createSession(edge);
            List<TokenEvent> events = TokenTopicWriter.conversationEvents(session.id(), TokenTopicWriter.numbered(50));
            try (SseConnection onFirst = SseConnection.open(HTTP, EdgeTestClient.eventsUri(base(edge), session.id()), session.bearer());
                    SseConnection onSecond = SseConnection.open(HTTP, EdgeTestClient.eventsUri(base(other), session.id()),
                            session.bearer())) {
                for (TokenEvent event : events) {
                    writer.commit(event);
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> onFirst.ended() && onSecond.ended());
                assertExactly(onFirst.events(), events);
                assertThat(onSecond.events()).isEqualTo(onFirst.events());
            }
        } finally {
            other.close();
        }
    }

    /** Reads the whole session, dropping the connection after a random 1–40 events each time and resuming by id. */
    private static List<SseConnection.Event> readWithRandomDrops(EdgeServer server, CreatedSession session) throws Exception {
        List<SseConnection.Event> got = new ArrayList<>();
        String lastId = null;
        for (int attempt = 0; attempt < 1000; attempt++) {
            Map<String, String> headers = new HashMap<>(session.bearer());
            if (lastId != null) {
                headers.put("Last-Event-ID", lastId);
            }
            int keep = ThreadLocalRandom.current().nextInt(1, 41);
            List<SseConnection.Event> received;
            try (SseConnection sse = SseConnection.open(HTTP, EdgeTestClient.eventsUri(base(server), session.id()), headers)) {
                assertThat(sse.status()).isEqualTo(200);
                await().atMost(Duration.ofSeconds(60)).until(() -> sse.events().size() >= keep || sse.ended());
                sse.close();
                received = sse.events();
            }
            got.addAll(received);
            if (!received.isEmpty()) {
                if (received.getLast().isTerminal()) {
                    return got;
                }
                lastId = received.getLast().id();
            }
        }
        throw new AssertionError("no terminal event after 1000 reconnects");
    }

    private static void assertExactly(List<SseConnection.Event> got, List<TokenEvent> written) {
        assertThat(got).extracting(e -> e.json().get("seq").asLong())
                .isEqualTo(LongStream.rangeClosed(1, written.size()).boxed().toList());
        assertThat(got).extracting(SseConnection.Event::event).isEqualTo(written.stream().map(TokenEvent::eventName).toList());
        StringBuilder text = new StringBuilder();
        for (TokenEvent event : written) {
            if (event instanceof TokenEvent.Token token) {
                text.append(token.text());
            }
        }
        StringBuilder shown = new StringBuilder();
        got.stream().filter(e -> e.event().equals("token")).forEach(e -> shown.append(e.json().get("text").asText()));
        assertThat(shown.toString()).isEqualTo(text.toString());
    }

    private static CreatedSession createSession(EdgeServer server) throws Exception {
        return EdgeTestClient.createSession(HTTP, base(server), EdgeTestConfig.API_KEY, "resume me");
    }

    private static String base(EdgeServer server) {
        return "http://127.0.0.1:" + server.port();
    }
}
