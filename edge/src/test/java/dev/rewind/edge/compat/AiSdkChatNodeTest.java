package dev.rewind.edge.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.edge.TokenTopicWriter;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AI SDK dialect read by the real {@code ai} npm package: runs the Node test
 * {@code src/test/ai-sdk/ui-message-stream.test.mjs} (its {@code node_modules} installed by the
 * build's {@code npm ci}) against an edge on a real broker, with the scripted pipeline answering.
 */
@WithKafka
class AiSdkChatNodeTest {

    private static final int PARTITIONS = 3;
    private static final Path NODE_TEST_DIR = Path.of("src", "test", "ai-sdk");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static EdgeServer edge;
    private static ScriptedPipeline pipeline;

    @BeforeAll
    static void start(KafkaBroker broker) {
        TokenTopicWriter.ensureTopics(broker, PARTITIONS);
        edge = EdgeServer.start(EdgeTestConfig.forBroker(broker.bootstrapServers(), PARTITIONS,
                "rate_limit: {sessions_per_period: 1000}"), Clock.systemUTC());
        pipeline = new ScriptedPipeline(broker.bootstrapServers(), PARTITIONS, Scripts.all());
    }

    @AfterAll
    static void stop() throws InterruptedException {
        pipeline.close();
        edge.close();
    }

    @Test
    void theAiPackagesOwnReaderBuildsTheMessagesAndResumes(@TempDir Path signals) throws Exception {
        assertThat(NODE_TEST_DIR.resolve("node_modules/ai/package.json"))
                .as("the ai package is installed by the build (npm ci in " + NODE_TEST_DIR + ")").exists();
        File output = signals.resolve("node-output.txt").toFile();
        ProcessBuilder node = new ProcessBuilder("node", "--test", "--test-reporter=tap", "ui-message-stream.test.mjs")
                .directory(NODE_TEST_DIR.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output);
        node.environment().put("EDGE_URL", "http://127.0.0.1:" + edge.port());
        node.environment().put("API_KEY", EdgeTestConfig.API_KEY);
        node.environment().put("SIGNAL_DIR", signals.toString());
        Process process = node.start();
        try {
            // the resume test asks for the held answer to finish once its replay caught up
            await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(signals.resolve("release")) || !process.isAlive());
            Scripts.HOLD.countDown();
            assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("node finished in time").isTrue();
        } finally {
            process.destroyForcibly();
        }
        String log = Files.readString(output.toPath());
        assertThat(process.exitValue()).as(log).isZero();
        assertThat(log).contains("# pass 5").contains("# fail 0");
    }

    @Test
    void refusalsAreProblemsThatUseChatShows() throws Exception {
        HttpResponse<String> noKey = post(null, "{\"id\":\"c1\",\"messages\":[]}");
        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(noKey.headers().firstValue("content-type")).hasValue("application/problem+json");
        HttpResponse<String> noMessages = post(EdgeTestConfig.API_KEY, "{\"id\":\"c1\",\"messages\":[],\"model\":\"sim-small\"}");
        assertThat(noMessages.statusCode()).isEqualTo(400);
        assertThat(noMessages.body()).contains("at least one UI message");
        HttpResponse<String> badId = post(EdgeTestConfig.API_KEY, "{\"id\":\"a b\",\"messages\":[{\"id\":\"u\",\"role\":\"user\","
                + "\"parts\":[{\"type\":\"text\",\"text\":\"plain\"}]}],\"model\":\"sim-small\"}");
        assertThat(badId.statusCode()).isEqualTo(400);
        HttpResponse<String> noModel = post(EdgeTestConfig.API_KEY, "{\"id\":\"c1\",\"messages\":[{\"id\":\"u\",\"role\":\"user\","
                + "\"parts\":[{\"type\":\"text\",\"text\":\"plain\"}]}]}");
        assertThat(noModel.statusCode()).isEqualTo(400);
        assertThat(noModel.body()).contains("'model' is required");
        HttpResponse<String> resumeWithoutKey = HTTP.send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + edge.port() + "/v1/ai-sdk/chat/c1/stream")).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(resumeWithoutKey.statusCode()).isEqualTo(401);
    }

    @Test
    void anotherOwnersChatHasNothingToResume() throws Exception {
        HttpResponse<String> started = post(EdgeTestConfig.API_KEY, "{\"id\":\"owned\",\"model\":\"sim-small\",\"messages\":"
                + "[{\"id\":\"u\",\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"text\":\"cancelled\"}]}]}");
        assertThat(started.statusCode()).isEqualTo(200);
        assertThat(started.body()).contains("\"type\":\"abort\"").endsWith("data: [DONE]\n\n");
        HttpResponse<String> other = HTTP.send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + edge.port() + "/v1/ai-sdk/chat/owned/stream"))
                .header("Authorization", "Bearer " + EdgeTestConfig.OTHER_API_KEY).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(other.statusCode()).isEqualTo(204);
    }

    @Test
    void aChatAnotherKeyStartedIsForbiddenAndAMalformedChatIdRefused() throws Exception {
        String chat = "shared-" + UUID.randomUUID();
        String body = "{\"id\":\"%s\",\"model\":\"sim-small\",\"messages\":"
                + "[{\"id\":\"u\",\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"text\":\"plain\"}]}]}";
        HttpResponse<String> theirs = post(EdgeTestConfig.OTHER_API_KEY, body.formatted(chat));
        assertThat(theirs.statusCode()).isEqualTo(200);
        // the chat id is the conversation id: once this edge's store has read the other key's turn, it is theirs
        await().atMost(Duration.ofSeconds(20)).until(() -> post(EdgeTestConfig.API_KEY, body.formatted(chat)).statusCode() == 403);
        HttpResponse<String> forbidden = post(EdgeTestConfig.API_KEY, body.formatted(chat));
        assertThat(forbidden.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(forbidden.body()).contains("another API key");
        HttpResponse<String> malformed = post(EdgeTestConfig.API_KEY, body.formatted("x".repeat(129)));
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(malformed.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(malformed.body()).contains("chat id");
    }

    private static HttpResponse<String> post(String apiKey, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + "/v1/ai-sdk/chat"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
