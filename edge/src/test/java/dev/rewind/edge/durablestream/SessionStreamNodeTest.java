package dev.rewind.edge.durablestream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.EdgeTestClient;
import dev.rewind.edge.EdgeTestClient.CreatedSession;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.edge.TokenTopicWriter;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.TokenEvent;
import java.io.File;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions read by the real {@code @durable-streams/client}: runs the Node test
 * {@code src/test/durable-streams/read-sessions.test.mjs} (its {@code node_modules} installed by the
 * build's {@code npm ci}) against an edge on a real broker: finished sessions and one written while
 * it is read, every read cut at random points and resumed from its last offset; and an open session
 * read by TanStack AI's Durable Streams connection from its {@code tanstack} stream.
 */
@WithKafka
class SessionStreamNodeTest {

    private static final int PARTITIONS = 3;
    private static final Path NODE_TEST_DIR = Path.of("src", "test", "durable-streams");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static KafkaBroker broker;
    private static EdgeServer edge;

    @BeforeAll
    static void start(KafkaBroker kafka) {
        broker = kafka;
        TokenTopicWriter.ensureTopics(broker, PARTITIONS);
        // small pages and a short long-poll, so that the reads take many requests and cuts fall everywhere
        edge = EdgeServer.start(EdgeTestConfig.forBroker(broker.bootstrapServers(), PARTITIONS,
                "durable_streams: {max_messages: 7, long_poll_timeout_ms: 1000}"), Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    @Test
    void theDurableStreamsClientReadsFinishedAndLiveSessionsExactlyAcrossRandomCuts(@TempDir Path signals) throws Exception {
        assertThat(NODE_TEST_DIR.resolve("node_modules/@durable-streams/client/package.json"))
                .as("the client is installed by the build (npm ci in " + NODE_TEST_DIR + ")").exists();
        String base = "http://127.0.0.1:" + edge.port();
        CreatedSession first = EdgeTestClient.createSession(HTTP, base, EdgeTestConfig.API_KEY, "finished");
        CreatedSession second = EdgeTestClient.createSession(HTTP, base, EdgeTestConfig.API_KEY, "finished too");
        CreatedSession live = EdgeTestClient.createSession(HTTP, base, EdgeTestConfig.API_KEY, "live");
        CreatedSession open = EdgeTestClient.createSession(HTTP, base, EdgeTestConfig.API_KEY, "still answering");
        List<TokenEvent> liveEvents = TokenTopicWriter.conversationEvents(live.id(), TokenTopicWriter.numbered(150));
        File output = signals.resolve("node-output.txt").toFile();
        try (TokenTopicWriter writer = new TokenTopicWriter(broker.bootstrapServers())) {
            int finished = writeInBursts(writer, TokenTopicWriter.conversationEvents(first.id(), TokenTopicWriter.numbered(60)));
            writeInBursts(writer, TokenTopicWriter.conversationEvents(second.id(), TokenTopicWriter.numbered(60)));
            writer.commit(liveEvents.getFirst());
            List<TokenEvent> openEvents = TokenTopicWriter.conversationEvents(open.id(), TokenTopicWriter.numbered(10));
            int opened = writeInBursts(writer, openEvents.subList(0, openEvents.size() - 1));
            String sessions = Json.toString(List.of(
                    Map.of("id", first.id(), "token", first.token(), "count", finished, "live", false, "open", false),
                    Map.of("id", second.id(), "token", second.token(), "count", finished, "live", false, "open", false),
                    Map.of("id", live.id(), "token", live.token(), "count", liveEvents.size(), "live", true, "open", false),
                    Map.of("id", open.id(), "token", open.token(), "count", opened, "live", false, "open", true)));
            ProcessBuilder node = new ProcessBuilder("node", "--test", "--test-reporter=tap", "read-sessions.test.mjs")
                    .directory(NODE_TEST_DIR.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output);
            node.environment().put("EDGE_URL", base);
            node.environment().put("SESSIONS", sessions);
            node.environment().put("SIGNAL_DIR", signals.toString());
            Process process = node.start();
            try {
                // the rest of the live session is written once its readers have begun
                await().atMost(Duration.ofSeconds(90))
                        .until(() -> Files.exists(signals.resolve("reading-" + live.id())) || !process.isAlive());
                writeInBursts(writer, liveEvents.subList(1, liveEvents.size()));
                assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("node finished in time").isTrue();
            } finally {
                process.destroyForcibly();
            }
            String log = Files.readString(output.toPath());
            assertThat(process.exitValue()).as(log).isZero();
            assertThat(log).contains("# pass 5").contains("# fail 0");
        }
    }

    /** Commits the events in transactions of one to three; returns how many. */
    private static int writeInBursts(TokenTopicWriter writer, List<TokenEvent> events) {
        for (int i = 0; i < events.size(); ) {
            int n = Math.min(events.size() - i, 1 + ThreadLocalRandom.current().nextInt(3));
            writer.commit(events.subList(i, i + n));
            i += n;
        }
        return events.size();
    }
}
