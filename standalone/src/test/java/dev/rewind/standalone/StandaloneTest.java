package dev.rewind.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.edge.EdgeTestClient;
import dev.rewind.edge.EdgeTestClient.CreatedSession;
import dev.rewind.edge.stream.SseConnection;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.Topics;
import dev.rewind.protocol.config.ConfigException;
import dev.rewind.protocol.config.ConfigLoader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The laptop stack with its own embedded broker: it serves the demo, and survives a restart with its data. */
class StandaloneTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    @Test
    void servesTheDemoAndReplaysEarlierSessionsInFullAfterARestart() throws Exception {
        StandaloneConfig config = config(dataDir, freePorts(6));
        String sessionId;
        String token;
        List<SseConnection.Event> live;
        String demoKey;
        try (Standalone stack = Standalone.start(config)) {
            demoKey = stack.demoApiKey();
            HttpResponse<String> page = HTTP.send(get(stack, "/"), HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("EventSource");
            HttpResponse<String> demo = HTTP.send(get(stack, "/v1/demo"), HttpResponse.BodyHandlers.ofString());
            assertThat(Json.fromString(demo.body(), JsonNode.class).get("api_key").asText()).isEqualTo(demoKey);

            CreatedSession created = EdgeTestClient.createSession(HTTP, base(stack), demoKey, "Hello after restart");
            sessionId = created.id();
            token = created.token();
            try (SseConnection sse = SseConnection.open(HTTP, events(stack, sessionId), Map.of("Authorization", "Bearer " + token))) {
                await().atMost(Duration.ofSeconds(60)).until(sse::ended);
                live = sse.events();
            }
            assertThat(live.getLast().event()).isEqualTo("done");
            assertThat(live).filteredOn(e -> e.event().equals("token")).isNotEmpty();
            // ingest's and the processor's health and metrics, each on its own port
            for (int port : List.of(config.ops().ingestPort(), config.ops().processorPort())) {
                await().atMost(Duration.ofSeconds(30)).until(() -> opsGet(port, "/health/ready").statusCode() == 200);
                assertThat(opsGet(port, "/health/live").statusCode()).isEqualTo(200);
                assertThat(opsGet(port, "/metrics").body()).contains("# TYPE");
            }
            assertThat(opsGet(config.ops().processorPort(), "/metrics").body()).contains("rewind_processor_processing_errors_total");
        }

        try (Standalone restarted = Standalone.start(config)) {
            assertThat(restarted.demoApiKey()).as("the demo key is kept in the data directory").isEqualTo(demoKey);
            try (SseConnection replay = SseConnection.open(HTTP, events(restarted, sessionId), Map.of("Authorization", "Bearer " + token))) {
                await().atMost(Duration.ofSeconds(30)).until(replay::ended);
                assertThat(replay.events()).isEqualTo(live);
            }
        }
    }

    @Test
    void registersTheSimulatorOncePerFormatInIngestAndInTheEdge() throws Exception {
        int[] ports = freePorts(6);
        try (Standalone stack = Standalone.start(config(dataDir, ports));
                KafkaConsumer<String, ChunkRecord> chunks = new KafkaConsumer<>(Map.of(
                        "bootstrap.servers", "127.0.0.1:" + ports[2], "group.id", "standalone-formats-test",
                        "auto.offset.reset", "earliest"), new StringDeserializer(), Serdes.CHUNK)) {
            chunks.subscribe(List.of(Topics.CHUNKS));
            Map<String, String> upstreamBySession = new java.util.HashMap<>();
            for (String upstream : Standalone.SIM_UPSTREAMS.keySet()) {
                // the edge knows the name (201), ingest calls the simulator at that format's endpoint
                upstreamBySession.put(EdgeTestClient.createSession(HTTP, base(stack), stack.demoApiKey(), upstream,
                        "Hello, " + upstream).id(), upstream);
            }
            Map<String, ChunkRecord.SessionEnded> ended = new java.util.HashMap<>();
            Map<String, ChunkRecord.AttemptStarted> started = new java.util.HashMap<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (var record : chunks.poll(Duration.ofMillis(200))) {
                    switch (record.value()) {
                        case ChunkRecord.SessionEnded end -> ended.put(record.key(), end);
                        case ChunkRecord.AttemptStarted attempt -> started.put(record.key(), attempt);
                        default -> { }
                    }
                }
                return ended.keySet().containsAll(upstreamBySession.keySet());
            });
            upstreamBySession.forEach((session, upstream) -> {
                assertThat(started.get(session).upstreamStatus()).as(upstream).isEqualTo(200);
                assertThat(started.get(session).providerFormat().wireName()).as(upstream)
                        .isEqualTo(Standalone.SIM_UPSTREAMS.get(upstream).format());
                assertThat(ended.get(session).outcome()).as(upstream).isEqualTo(ChunkRecord.SessionOutcome.COMPLETED);
            });
            assertThat(upstreamBySession.values()).contains("sim-ollama", "sim-gemini");
        }
    }

    private static HttpResponse<String> opsGet(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void refusesToStartWhenAPortIsTakenAndSaysWhichKeyToChange() throws Exception {
        int[] ports = freePorts(6);
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), ports[0]));
            assertThatThrownBy(() -> Standalone.start(config(dataDir, ports)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("port " + ports[0])
                    .hasMessageContaining("http.port");
        }
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), ports[2]));
            assertThatThrownBy(() -> Standalone.start(config(dataDir, ports)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("broker.port");
        }
    }

    @Test
    void aBadKeyInAComponentSectionStopsStartupNamingTheFullKey() throws Exception {
        var overlay = ConfigLoader.parseYaml("data_dir: \"" + dataDir + "\"\nedge: {sse: {heartbeat_ms: 5}}");
        StandaloneConfig config = ConfigLoader.load(StandaloneConfig.class, overlay, Map.of(), "standalone-defaults.yaml");
        int[] ports = freePorts(6);
        StandaloneConfig onFreePorts = new StandaloneConfig(config.dataDir(), config.demo(), config.partitions(),
                new StandaloneConfig.Broker("127.0.0.1", ports[2], ports[3]), new StandaloneConfig.Http("127.0.0.1", ports[0]),
                new StandaloneConfig.Sim("127.0.0.1", ports[1], 0, 0),
                new StandaloneConfig.Ops("127.0.0.1", ports[4], ports[5]), config.telemetry(), config.edge(), config.ingest(),
                config.processor());
        assertThatThrownBy(() -> Standalone.start(onFreePorts))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("edge.sse.heartbeat_ms");
    }

    private static StandaloneConfig config(Path dataDir, int[] ports) {
        return TestStacks.config(dataDir, ports, "tokens_per_second: 200, first_token_delay_ms: 0");
    }

    private static int[] freePorts(int count) throws IOException {
        return TestStacks.freePorts(count);
    }

    private static HttpRequest get(Standalone stack, String path) {
        return HttpRequest.newBuilder(URI.create(base(stack) + path)).timeout(Duration.ofSeconds(10)).GET().build();
    }

    private static URI events(Standalone stack, String sessionId) {
        return EdgeTestClient.eventsUri(base(stack), sessionId);
    }

    private static String base(Standalone stack) {
        return "http://127.0.0.1:" + stack.httpPort();
    }
}
