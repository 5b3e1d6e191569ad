package dev.rewind.edge.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.edge.EdgeProcess;
import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.edge.TokenTopicWriter;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The active turn of a conversation is durable: an AI SDK chat answered by an edge in its own
 * process that is killed with SIGKILL mid-answer is resumed, the way useChat({resume: true}) asks,
 * from a second edge (a restarted one, or another instance) — the chat id found through the session
 * store, not the memory of the edge that took the POST — and the whole answer arrives. Also
 * GET /v1/conversations/{id}/events, which streams the latest turn through the same loop.
 */
@WithKafka
class ConversationResumeAcrossEdgesTest {

    private static final int PARTITIONS = 3;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final CountDownLatch KILL_RELEASE = new CountDownLatch(1);
    private static final CountDownLatch RESTART_RELEASE = new CountDownLatch(1);
    private static final CountDownLatch EVENTS_RELEASE = new CountDownLatch(1);
    private static String bootstrapServers;
    private static EdgeServer other;
    private static ScriptedPipeline pipeline;

    @BeforeAll
    static void start(KafkaBroker broker) {
        TokenTopicWriter.ensureTopics(broker, PARTITIONS);
        bootstrapServers = broker.bootstrapServers();
        other = EdgeServer.start(EdgeTestConfig.forBroker(bootstrapServers, PARTITIONS, ""), Clock.systemUTC());
        Map<String, BiConsumer<String, TokenTopicWriter>> scripts = new HashMap<>(Scripts.all());
        scripts.put("held for a kill", Scripts.held(KILL_RELEASE));
        scripts.put("held for a restart", Scripts.held(RESTART_RELEASE));
        scripts.put("held for events", Scripts.held(EVENTS_RELEASE));
        pipeline = new ScriptedPipeline(bootstrapServers, PARTITIONS, scripts);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        KILL_RELEASE.countDown();
        RESTART_RELEASE.countDown();
        EVENTS_RELEASE.countDown();
        pipeline.close();
        other.close();
    }

    @Test
    void anotherEdgeResumesTheWholeAnswerAfterTheFirstWasKilledMidAnswer(@TempDir Path dir) throws Exception {
        String chat = "kill-" + UUID.randomUUID();
        try (EdgeProcess first = new EdgeProcess(dir, bootstrapServers, PARTITIONS)) {
            first.start();
            String sessionId = postAndReadUntilHeld(first.port(), chat, "held for a kill");
            first.kill();

            HttpResponse<Stream<String>> resumed = resumeWhenActive(other.port(), chat);
            assertThat(resumed.headers().firstValue("x-rewind-session-id")).hasValue(sessionId);
            assertThat(uiText(resumed.body().iterator(), KILL_RELEASE)).isEqualTo("Hello again");
            awaitNothingToResume(other.port(), chat);

            // the same turn as Rewind's own events, through GET /v1/conversations/{id}/events on the other edge
            HttpResponse<String> events = HTTP.send(get(other.port(), "/v1/conversations/" + chat + "/events",
                    EdgeTestConfig.API_KEY).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(events.statusCode()).as(events.body()).isEqualTo(200);
            assertThat(events.headers().firstValue("x-rewind-session-id")).hasValue(sessionId);
            assertThat(events.body()).contains("event: start", "\"text\":\"Hel\"", "\"text\":\" again\"", "event: done");
            assertThat(HTTP.send(get(other.port(), "/v1/conversations/" + chat + "/events", EdgeTestConfig.OTHER_API_KEY).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aRestartedEdgeResumesTheWholeAnswerFromItsStore(@TempDir Path dir) throws Exception {
        String chat = "restart-" + UUID.randomUUID();
        try (EdgeProcess edge = new EdgeProcess(dir, bootstrapServers, PARTITIONS)) {
            edge.start();
            String sessionId = postAndReadUntilHeld(edge.port(), chat, "held for a restart");
            edge.kill();
            edge.start();

            HttpResponse<Stream<String>> resumed = resumeWhenActive(edge.port(), chat);
            assertThat(resumed.headers().firstValue("x-rewind-session-id")).as(edge.output()).hasValue(sessionId);
            assertThat(uiText(resumed.body().iterator(), RESTART_RELEASE)).isEqualTo("Hello again");
            awaitNothingToResume(edge.port(), chat);
        }
    }

    @Test
    void conversationEventsFollowTheLatestTurnLiveAndResumeAfterAnId() throws Exception {
        String chat = "events-" + UUID.randomUUID();
        String sessionId = postAndReadUntilHeld(other.port(), chat, "held for events");
        HttpResponse<Stream<String>> live = await().atMost(Duration.ofSeconds(20)).until(() -> HTTP.send(get(other.port(),
                "/v1/conversations/" + chat + "/events", EdgeTestConfig.API_KEY).build(), HttpResponse.BodyHandlers.ofLines()),
                r -> r.statusCode() == 200);
        assertThat(live.headers().firstValue("x-rewind-session-id")).hasValue(sessionId);
        Iterator<String> lines = live.body().iterator();
        StringBuilder text = new StringBuilder();
        String event = null;
        String lastId = null;
        String idOfHel = null;
        while (lines.hasNext()) {
            String line = lines.next();
            if (line.startsWith("id: ")) {
                lastId = line.substring(4);
            } else if (line.startsWith("event: ")) {
                event = line.substring(7);
            } else if (line.startsWith("data: ") && "token".equals(event)) {
                text.append(Json.fromString(line.substring(6), JsonNode.class).get("text").asText());
                if (text.toString().equals("Hel")) {
                    idOfHel = lastId;
                }
                if (text.toString().equals("Hello")) {
                    EVENTS_RELEASE.countDown();
                }
            } else if (line.startsWith("data: ") && "done".equals(event)) {
                break;
            }
        }
        assertThat(text.toString()).isEqualTo("Hello again");
        HttpResponse<String> after = HTTP.send(get(other.port(), "/v1/conversations/" + chat + "/events", EdgeTestConfig.API_KEY)
                .header("Last-Event-ID", idOfHel).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(after.body()).doesNotContain("\"text\":\"Hel\"").contains("\"text\":\"lo\"", "\"text\":\" again\"", "event: done");
        assertThat(HTTP.send(get(other.port(), "/v1/conversations/never-" + chat + "/events", EdgeTestConfig.API_KEY).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
        assertThat(HTTP.send(get(other.port(), "/v1/conversations/" + chat + "/events", null).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    }

    /** POSTs useChat's request for {@code prompt} and reads the answer until it is held after "Hello"; answers the session id. */
    private static String postAndReadUntilHeld(int port, String chat, String prompt) throws Exception {
        String body = "{\"id\":\"" + chat + "\",\"model\":\"sim-small\",\"messages\":[{\"id\":\"u\",\"role\":\"user\","
                + "\"parts\":[{\"type\":\"text\",\"text\":\"" + prompt + "\"}]}]}";
        HttpResponse<Stream<String>> response = HTTP.send(request(port, "/v1/ai-sdk/chat", EdgeTestConfig.API_KEY)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        StringBuilder text = new StringBuilder();
        try (Stream<String> lines = response.body()) {
            Iterator<String> it = lines.iterator();
            while (!text.toString().equals("Hello")) {
                assertThat(it.hasNext()).as("the answer ended before it was held").isTrue();
                appendDelta(it.next(), text);
            }
        }
        return response.headers().firstValue("x-rewind-session-id").orElseThrow();
    }

    /** What useChat({resume: true}) sends, retried until the store says the chat has an active response. */
    private static HttpResponse<Stream<String>> resumeWhenActive(int port, String chat) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> HTTP.send(get(port, "/v1/ai-sdk/chat/" + chat + "/stream",
                EdgeTestConfig.API_KEY).build(), HttpResponse.BodyHandlers.ofLines()), r -> r.statusCode() == 200);
    }

    private static void awaitNothingToResume(int port, String chat) {
        await().atMost(Duration.ofSeconds(20)).until(() -> HTTP.send(get(port, "/v1/ai-sdk/chat/" + chat + "/stream",
                EdgeTestConfig.API_KEY).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 204);
    }

    /** The text of a UI message stream up to [DONE]; releases the held answer once "Hello" was replayed. */
    private static String uiText(Iterator<String> lines, CountDownLatch release) {
        StringBuilder text = new StringBuilder();
        while (lines.hasNext()) {
            String line = lines.next();
            if (line.equals("data: [DONE]")) {
                return text.toString();
            }
            appendDelta(line, text);
            if (text.toString().equals("Hello")) {
                release.countDown();
            }
        }
        throw new AssertionError("the resumed stream ended without [DONE] after \"" + text + "\"");
    }

    private static void appendDelta(String line, StringBuilder text) {
        if (line.startsWith("data: {")) {
            JsonNode chunk = Json.fromString(line.substring(6), JsonNode.class);
            if (chunk.path("type").asText().equals("text-delta")) {
                text.append(chunk.get("delta").asText());
            }
        }
    }

    private static HttpRequest.Builder get(int port, String path, String apiKey) {
        return request(port, path, apiKey).GET();
    }

    private static HttpRequest.Builder request(int port, String path, String apiKey) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60));
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        return request;
    }
}
