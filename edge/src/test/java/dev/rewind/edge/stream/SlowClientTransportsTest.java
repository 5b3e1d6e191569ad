package dev.rewind.edge.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.EdgeTestClient;
import dev.rewind.edge.EdgeTestClient.CreatedSession;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.edge.TokenTopicWriter;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.TokenEvent;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The stream loop's slow-client cut on the WebSocket and the OpenAI dialect (SSE's is in
 * {@code EventsServiceTest}): a client that stops reading while its session writes about 6 MB is
 * cut, and its connection freed; memory stays bounded by its queue.
 */
@WithKafka
class SlowClientTransportsTest {

    private static final int PARTITIONS = 3;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static EdgeServer edge;
    private static TokenTopicWriter writer;

    @BeforeAll
    static void start(KafkaBroker broker) {
        TokenTopicWriter.ensureTopics(broker, PARTITIONS);
        edge = EdgeServer.start(EdgeTestConfig.forBroker(broker.bootstrapServers(), PARTITIONS, """
                rate_limit: {sessions_per_period: 1000}
                sse: {queue_events: 64, queue_bytes: 65536, write_timeout_ms: 2000}
                """), Clock.systemUTC());
        writer = new TokenTopicWriter(broker.bootstrapServers());
    }

    @AfterAll
    static void stop() {
        writer.close();
        edge.close();
    }

    @Test
    void aWebSocketThatStopsReadingIsCut() throws Exception {
        CreatedSession session = EdgeTestClient.createSession(HTTP, base(), EdgeTestConfig.API_KEY, "flood");
        writer.commit(new TokenEvent.Start(session.id(), 1, "sim", "sim-small"));
        try (Socket socket = stalling("GET /v1/sessions/" + session.id() + "/ws?from=start&access_token=" + session.token()
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", new HashMap<>())) {
            floodAndAwaitTheCut(session.id(), "ws");
        }
    }

    @Test
    void anOpenAiStreamThatStopsBeingReadIsCut() throws Exception {
        String body = "{\"model\":\"sim-small\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"flood\"}]}";
        Map<String, String> headers = new HashMap<>();
        try (Socket socket = stalling("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Authorization: Bearer " + EdgeTestConfig.API_KEY + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body, headers)) {
            String sessionId = headers.get("x-rewind-session-id");
            writer.commit(new TokenEvent.Start(sessionId, 1, "sim", "sim-small"));
            floodAndAwaitTheCut(sessionId, "compat");
        }
    }

    /** Sends {@code request} on a socket with a small receive buffer, reads the response's headers into {@code headers}, then reads nothing more. */
    private static Socket stalling(String request, Map<String, String> headers) throws Exception {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", edge.port()));
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        BufferedReader lines = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8), 1);
        String status = lines.readLine();
        assertThat(status).matches("HTTP/1.1 (101|200) .*");
        for (String line = lines.readLine(); line != null && !line.isEmpty(); line = lines.readLine()) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
        return socket;
    }

    /** About 6 MB of tokens while the client reads nothing; the edge drops its queue and frees the connection. */
    private static void floodAndAwaitTheCut(String sessionId, String transport) throws Exception {
        await().atMost(Duration.ofSeconds(20)).until(() -> metric("rewind_edge_connections{transport=\"" + transport + "\"}") == 1);
        double dropsBefore = metric("rewind_edge_queue_drops_total") + metric("rewind_edge_write_timeouts_total");
        String kilobyte = "x".repeat(1024);
        long seq = 2;
        for (int batch = 0; batch < 60; batch++) {
            List<TokenEvent> events = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                events.add(new TokenEvent.Token(sessionId, seq++, kilobyte));
            }
            writer.commit(events);
        }
        writer.commit(new TokenEvent.Done(sessionId, seq, "stop", "stop", null));
        await().atMost(Duration.ofSeconds(60)).until(() ->
                metric("rewind_edge_queue_drops_total") + metric("rewind_edge_write_timeouts_total") > dropsBefore);
        await().atMost(Duration.ofSeconds(30)).until(() -> metric("rewind_edge_connections{transport=\"" + transport + "\"}") == 0);
    }

    private static String base() {
        return "http://127.0.0.1:" + edge.port();
    }

    private static double metric(String sample) throws Exception {
        return EdgeTestClient.metric(HTTP, base(), sample);
    }
}
