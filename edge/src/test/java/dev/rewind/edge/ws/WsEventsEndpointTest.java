package dev.rewind.edge.ws;

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
import dev.rewind.protocol.Json;
import dev.rewind.protocol.TokenEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The WebSocket endpoint against a real broker: the same events as SSE, resume by id (query or first frame), ping/pong, refusals. */
@WithKafka
class WsEventsEndpointTest {

    private static final int PARTITIONS = 3;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static KafkaBroker broker;
    private static EdgeServer edge;
    private static TokenTopicWriter writer;

    @BeforeAll
    static void start(KafkaBroker kafka) {
        broker = kafka;
        TokenTopicWriter.ensureTopics(broker, PARTITIONS);
        edge = EdgeServer.start(EdgeTestConfig.forBroker(broker.bootstrapServers(), PARTITIONS, "ws: {first_frame_ms: 2000}"),
                Clock.systemUTC());
        writer = new TokenTopicWriter(broker.bootstrapServers());
    }

    @AfterAll
    static void stop() {
        writer.close();
        edge.close();
    }

    /** A JDK WebSocket client that collects text frames, pongs and the close. */
    private static final class Frames implements WebSocket.Listener {
        final List<JsonNode> frames = new CopyOnWriteArrayList<>();
        final List<String> pongs = new CopyOnWriteArrayList<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                frames.add(Json.fromString(partial.toString(), JsonNode.class));
                partial.setLength(0);
            }
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket socket, ByteBuffer message) {
            byte[] bytes = new byte[message.remaining()];
            message.get(bytes);
            pongs.add(new String(bytes));
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket socket, Throwable error) {
            closed.completeExceptionally(error);
        }

        List<Long> seqs() {
            return frames.stream().filter(f -> f.has("seq")).map(f -> f.get("seq").asLong()).toList();
        }
    }

    private static WebSocket connect(String query, Frames frames) throws Exception {
        return HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create("ws://127.0.0.1:" + edge.port() + query), frames).get(20, TimeUnit.SECONDS);
    }

    @Test
    void sendsEveryEventAsAJsonFrameWithItsIdAndClosesAfterTheTerminalOne() throws Exception {
        CreatedSession session = createSession();
        Frames frames = new Frames();
        connect("/v1/sessions/" + session.id() + "/ws?from=start&access_token=" + session.token(), frames);
        writer.conversation(session.id(), "web", " socket");
        assertThat(frames.closed.get(20, TimeUnit.SECONDS)).isEqualTo(1000);
        assertThat(frames.frames).extracting(f -> f.get("type").asText()).containsExactly("start", "token", "token", "done");
        assertThat(frames.seqs()).containsExactly(1L, 2L, 3L, 4L);
        assertThat(frames.frames).allSatisfy(f -> assertThat(f.get("event_id").asText()).matches("\\d+-\\d+-" + f.get("seq").asLong()));
    }

    @Test
    void aToolCallFrameKeepsTheCallsIdBesideTheEventId() throws Exception {
        CreatedSession session = createSession();
        Frames frames = new Frames();
        connect("/v1/sessions/" + session.id() + "/ws?from=start&access_token=" + session.token(), frames);
        writer.commit(new TokenEvent.Start(session.id(), 1, "sim", "sim-small"),
                new TokenEvent.ToolCall(session.id(), 2, 0, 0, "call_1", "read_file", "{}", Json.MAPPER.createObjectNode(), true),
                new TokenEvent.Done(session.id(), 3, "tool_calls", "tool_calls", null));
        assertThat(frames.closed.get(20, TimeUnit.SECONDS)).isEqualTo(1000);
        JsonNode call = frames.frames.get(1);
        assertThat(call.get("type").asText()).isEqualTo("tool_call");
        assertThat(call.get("id").asText()).isEqualTo("call_1");
        assertThat(call.get("event_id").asText()).matches("\\d+-\\d+-2");
    }

    @Test
    void resumesAfterTheIdInTheFirstFrameOrInTheQuery() throws Exception {
        CreatedSession session = createSession();
        writer.conversation(session.id(), TokenTopicWriter.numbered(6));
        Frames all = new Frames();
        connect("/v1/sessions/" + session.id() + "/ws?from=start&access_token=" + session.token(), all);
        all.closed.get(20, TimeUnit.SECONDS);
        String third = all.frames.get(2).get("event_id").asText();

        Frames byFrame = new Frames();
        WebSocket socket = connect("/v1/sessions/" + session.id() + "/ws?access_token=" + session.token(), byFrame);
        socket.sendText("{\"type\":\"resume\",\"last_event_id\":\"" + third + "\"}", true).get(10, TimeUnit.SECONDS);
        assertThat(byFrame.closed.get(20, TimeUnit.SECONDS)).isEqualTo(1000);
        assertThat(byFrame.seqs()).isEqualTo(LongStream.rangeClosed(4, 8).boxed().toList());

        Frames byQuery = new Frames();
        connect("/v1/sessions/" + session.id() + "/ws?last_event_id=" + third + "&access_token=" + session.token(), byQuery);
        byQuery.closed.get(20, TimeUnit.SECONDS);
        assertThat(byQuery.frames).isEqualTo(byFrame.frames);
    }

    @Test
    void answersPingsAndRefusesABadCursorWithAProblemFrame() throws Exception {
        CreatedSession session = createSession();
        Frames frames = new Frames();
        WebSocket socket = connect("/v1/sessions/" + session.id() + "/ws?from=live&access_token=" + session.token(), frames);
        socket.sendPing(ByteBuffer.wrap("hello".getBytes())).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> frames.pongs.contains("hello"));
        writer.commit(new TokenEvent.Start(session.id(), 1, "sim", "m"), new TokenEvent.Done(session.id(), 2, "stop", "stop", null));
        assertThat(frames.closed.get(20, TimeUnit.SECONDS)).isEqualTo(1000);

        Frames refused = new Frames();
        WebSocket bad = connect("/v1/sessions/" + session.id() + "/ws?access_token=" + session.token(), refused);
        bad.sendText("{\"type\":\"resume\",\"last_event_id\":\"garbage\"}", true).get(10, TimeUnit.SECONDS);
        assertThat(refused.closed.get(20, TimeUnit.SECONDS)).isEqualTo(1008);
        assertThat(refused.frames).singleElement().satisfies(f -> {
            assertThat(f.get("type").asText()).isEqualTo("problem");
            assertThat(f.get("status").asInt()).isEqualTo(400);
        });
    }

    @Test
    void aRefusedUpgradeIsAnsweredWithAProblem() throws Exception {
        CreatedSession session = createSession();
        UpgradeAnswer noToken = upgrade("/v1/sessions/" + session.id() + "/ws");
        assertThat(noToken.statusCode()).isEqualTo(401);
        assertThat(noToken.headers()).containsEntry("content-type", "application/problem+json");
        CreatedSession other = createSession();
        assertThat(upgrade("/v1/sessions/" + session.id() + "/ws?access_token=" + other.token()).statusCode()).isEqualTo(403);
        assertThat(upgrade("/v1/sessions/" + session.id() + "/ws?from=yesterday&access_token=" + session.token()).statusCode())
                .isEqualTo(400);
    }

    /** The status line and headers answered to an upgrade request. */
    private record UpgradeAnswer(int statusCode, java.util.Map<String, String> headers) {}

    /** A hand-made upgrade request, so the refusal's HTTP answer can be read. */
    private static UpgradeAnswer upgrade(String path) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", edge.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n"
                    + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8));
            int status = Integer.parseInt(lines.readLine().split(" ")[1]);
            java.util.Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            String line;
            while (!(line = lines.readLine()).isEmpty()) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
            return new UpgradeAnswer(status, headers);
        }
    }

    private static CreatedSession createSession() throws Exception {
        return EdgeTestClient.createSession(HTTP, "http://127.0.0.1:" + edge.port(), EdgeTestConfig.API_KEY, "ws");
    }
}
