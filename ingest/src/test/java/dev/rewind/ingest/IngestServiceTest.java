package dev.rewind.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.kafkatest.CapturedLogs;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.SessionIds;
import dev.rewind.protocol.TopicSettings;
import dev.rewind.protocol.Topics;
import dev.rewind.protocol.config.ConfigException;
import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.sim.LlmSimulator;
import dev.rewind.sim.RecordedRequest;
import dev.rewind.sim.SimConfig;
import dev.rewind.sim.SimulatedCompletion;
import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ingest against a real broker and llm-sim: every upstream read lands in rewind.chunks, framed by markers. */
@WithKafka
class IngestServiceTest {

    private static final String SIM_KEY = "sim-secret-key-7f3a9c";
    private static final int PARTITIONS = 3;

    @TempDir
    static Path tmp;

    private static LlmSimulator sim;
    private static IngestService ingest;
    private static KafkaProducer<String, RequestRecord> requests;
    private static KafkaConsumer<String, byte[]> chunks;
    private static final Map<String, List<ConsumerRecord<String, byte[]>>> rawBySession = new ConcurrentHashMap<>();
    private static int closedPort;
    private static CapturedLogs logs;

    @BeforeAll
    static void start(KafkaBroker broker) throws Exception {
        logs = CapturedLogs.capture();
        broker.ensureRewindTopics(TopicSettings.singleBroker().withPartitions(PARTITIONS));
        sim = LlmSimulator.start(ConfigLoader.load(SimConfig.class,
                ConfigLoader.parseYaml("{host: 127.0.0.1, port: 0, tokens_per_second: 0, first_token_delay_ms: 0, api_key: "
                        + SIM_KEY + "}"), Map.of(), "llm-sim-defaults.yaml"));
        Path keyFile = Files.writeString(tmp.resolve("sim.key"), SIM_KEY + "\n");
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        ingest = IngestService.start(config(broker.bootstrapServers(), keyFile), Map.of());
        requests = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                new StringSerializer(), Serdes.REQUEST);
        chunks = new KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrapServers(),
                "group.id", "ingest-service-test", "auto.offset.reset", "earliest"),
                new StringDeserializer(), new ByteArrayDeserializer());
        chunks.subscribe(List.of(Topics.CHUNKS));
    }

    private static IngestConfig config(String bootstrap, Path keyFile) {
        return ConfigLoader.load(IngestConfig.class, ConfigLoader.parseYaml("""
                kafka: {bootstrap_servers: "%s"}
                topics: {partitions: %d}
                upstreams:
                  sim: {format: openai-chat, base_url: "%s/v1", api_key_file: "%s"}
                  sim-wrong-key: {format: openai-chat, base_url: "%s/v1"}
                  claude: {format: anthropic, base_url: "%s/v1", api_key_file: "%s"}
                  responses: {format: openai-responses, base_url: "%s/v1", api_key_file: "%s"}
                  ollama: {format: ollama, base_url: "%s", api_key_file: "%s"}
                  gemini: {format: gemini, base_url: "%s/v1beta", api_key_file: "%s"}
                  nowhere: {format: openai-chat, base_url: "http://127.0.0.1:%d/v1"}
                """.formatted(bootstrap, PARTITIONS, sim.baseUrl(), keyFile, sim.baseUrl(), sim.baseUrl(), keyFile,
                sim.baseUrl(), keyFile, sim.baseUrl(), keyFile, sim.baseUrl(), keyFile, closedPort)),
                TestSetup.OPS_ANY_PORT, ConfigLoader.KAFKA_DEFAULTS, "ingest-defaults.yaml");
    }

    @AfterAll
    static void stop() {
        chunks.close();
        requests.close();
        ingest.close();
        sim.close();
        try {
            // every session of this class ran with the key; none of what was logged may show it
            assertThat(logs.lines()).isNotEmpty().noneMatch(line -> line.contains(SIM_KEY));
        } finally {
            logs.close();
        }
    }

    @Test
    void servesLivenessReadinessAndPrometheusMetricsOnItsOpsPort() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        Function<String, HttpResponse<String>> get = path -> {
            try {
                return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingest.opsPort() + path))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        await().atMost(Duration.ofSeconds(30)).until(() -> get.apply("/health/ready").statusCode() == 200);
        assertThat(ingest.isReady()).isTrue();
        assertThat(get.apply("/health/live").statusCode()).isEqualTo(200);
        assertThat(get.apply("/metrics").body()).contains("kafka_producer_");
        client.close();
    }

    @Test
    void measuresEachUpstreamCallAndItsFirstChunkAsGenAiClientMetricsByModel() throws Exception {
        RequestRecord.Start start = startIn("sim", ProviderFormat.OPENAI_CHAT, "sim-measured", "count me");
        awaitSessionEnd(start.sessionId());
        String scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + ingest.opsPort() + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        String tags = "gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"openai\",gen_ai_request_model=\"sim-measured\","
                + "rewind_upstream=\"sim\"";
        assertThat(scrape).contains("gen_ai_client_operation_duration_seconds_count{error_type=\"none\"," + tags + "} 1")
                .contains("gen_ai_client_operation_time_to_first_chunk_seconds_count{" + tags + "} 1");
    }

    @Test
    void writesEveryUpstreamReadInOrderBetweenAttemptMarkers() throws Exception {
        RequestRecord.Start start = start("sim", "tell me a story");
        List<ChunkRecord> records = awaitSessionEnd(start.sessionId());

        assertThat(records.getFirst()).isInstanceOfSatisfying(ChunkRecord.AttemptStarted.class, s -> {
            assertThat(s.attempt()).isEqualTo(1);
            assertThat(s.upstreamStatus()).isEqualTo(200);
            assertThat(s.contentType()).startsWith("text/event-stream");
            assertThat(s.upstream()).isEqualTo("sim");
            assertThat(s.providerFormat()).isEqualTo(ProviderFormat.OPENAI_CHAT);
        });
        List<ChunkRecord.Chunk> body = records.stream()
                .filter(ChunkRecord.Chunk.class::isInstance).map(ChunkRecord.Chunk.class::cast).toList();
        assertThat(body).isNotEmpty();
        assertThat(body).extracting(ChunkRecord.Chunk::seq)
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, body.size()).boxed().toList());
        assertThat(records.get(records.size() - 2)).isInstanceOfSatisfying(ChunkRecord.AttemptEnded.class,
                e -> assertThat(e.outcome()).isEqualTo(ChunkRecord.AttemptOutcome.COMPLETED));
        assertThat(records.getLast()).isInstanceOfSatisfying(ChunkRecord.SessionEnded.class,
                e -> assertThat(e.outcome()).isEqualTo(ChunkRecord.SessionOutcome.COMPLETED));

        // the bytes, joined, are the simulator's response: its text and its terminal marker
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        body.forEach(c -> joined.writeBytes(c.bytes()));
        String stream = joined.toString(StandardCharsets.UTF_8);
        JsonNode sent = sentBodyFor(start);
        assertThat(textOf(stream)).isEqualTo(SimulatedCompletion.plan(sent).text());
        assertThat(stream).contains("data: [DONE]");
    }

    @Test
    void sendsAStreamingChatCompletionsRequestWithTheConfiguredKey() throws Exception {
        RequestRecord.Start start = start("sim", "what is kafka");
        awaitSessionEnd(start.sessionId());
        JsonNode sent = sentBodyFor(start);
        assertThat(sent.get("stream").asBoolean()).isTrue();
        assertThat(sent.at("/stream_options/include_usage").asBoolean()).isTrue();
        assertThat(sent.get("model").asText()).isEqualTo("sim-small");
        assertThat(sent.get("max_tokens").asInt()).isEqualTo(24);
        assertThat(sent.at("/messages/0/content").asText()).isEqualTo("what is kafka");
        assertThat(sim.recentRequests()).filteredOn(r -> r.body().equals(sent))
                .singleElement().satisfies(r -> assertThat(r.authorized()).isTrue());
    }

    @Test
    void translatesARequestForAnthropicMessages() throws Exception {
        RequestRecord.Start start = new RequestRecord.Start(SessionIds.newId(), "test-owner", "claude", ProviderFormat.ANTHROPIC,
                "claude-sim", List.of(RequestRecord.ChatMessage.text("system", "be brief"),
                        RequestRecord.ChatMessage.text("user", "anthropic please")), toolParams(), Instant.now(), null);
        requests.send(new ProducerRecord<>(Topics.REQUESTS, start.sessionId(), start)).get();
        List<ChunkRecord> records = awaitSessionEnd(start.sessionId());
        assertThat(records.getLast()).isInstanceOfSatisfying(ChunkRecord.SessionEnded.class,
                e -> assertThat(e.outcome()).isEqualTo(ChunkRecord.SessionOutcome.COMPLETED));
        var sent = sim.recentRequests().stream().filter(r -> r.path().equals("/v1/messages")
                && r.body().at("/messages/0/content").asText().equals("anthropic please")).findFirst().orElseThrow();
        assertThat(sent.authorized()).as("x-api-key").isTrue();
        assertThat(sent.headers()).containsEntry("anthropic-version", "2023-06-01");
        assertThat(sent.body().get("system").asText()).isEqualTo("be brief");
        assertThat(sent.body().get("messages")).hasSize(1);
        assertThat(sent.body().get("max_tokens").asInt()).isEqualTo(24);
        assertThat(sent.body().get("stop_sequences").get(0).asText()).isEqualTo("END");
        assertThat(sent.body().at("/tools/0/name").asText()).isEqualTo("read_file");
        assertThat(sent.body().at("/tools/0/input_schema/properties/path/type").asText()).isEqualTo("string");
        assertThat(sent.body().get("stream").asBoolean()).isTrue();
    }

    @Test
    void translatesARequestForOpenAiResponses() throws Exception {
        RequestRecord.Start start = new RequestRecord.Start(SessionIds.newId(), "test-owner", "responses",
                ProviderFormat.OPENAI_RESPONSES, "gpt-sim", List.of(RequestRecord.ChatMessage.text("system", "be brief"),
                        RequestRecord.ChatMessage.text("user", "responses please")), toolParams(), Instant.now(), null);
        requests.send(new ProducerRecord<>(Topics.REQUESTS, start.sessionId(), start)).get();
        List<ChunkRecord> records = awaitSessionEnd(start.sessionId());
        assertThat(records.getLast()).isInstanceOfSatisfying(ChunkRecord.SessionEnded.class,
                e -> assertThat(e.outcome()).isEqualTo(ChunkRecord.SessionOutcome.COMPLETED));
        var sent = sim.recentRequests().stream().filter(r -> r.path().equals("/v1/responses")
                && r.body().at("/input/0/content").asText().equals("responses please")).findFirst().orElseThrow();
        assertThat(sent.authorized()).isTrue();
        assertThat(sent.body().get("instructions").asText()).isEqualTo("be brief");
        assertThat(sent.body().get("max_output_tokens").asInt()).isEqualTo(24);
        assertThat(sent.body().at("/tools/0/type").asText()).isEqualTo("function");
        assertThat(sent.body().at("/tools/0/parameters/properties/path/type").asText()).isEqualTo("string");
        assertThat(sent.body().get("stream").asBoolean()).isTrue();
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode toolParams() {
        return (com.fasterxml.jackson.databind.node.ObjectNode) Json.fromString("""
                {"max_tokens": 24, "stop": "END", "temperature": 0.1,
                 "tools": [{"type": "function", "function": {"name": "read_file", "description": "reads a file",
                   "parameters": {"type": "object", "properties": {"path": {"type": "string"}}}}}]}""", JsonNode.class);
    }

    @Test
    void translatesARequestForOllamasNativeChat() throws Exception {
        RequestRecord.Start start = startIn("ollama", ProviderFormat.OLLAMA, "llama-sim", "ollama please");
        List<ChunkRecord> records = awaitSessionEnd(start.sessionId());
        assertCompleted(records, "application/x-ndjson");
        RecordedRequest sent = sentTo("/api/chat", "/messages/1/content", "ollama please");
        assertThat(sent.authorized()).as("Authorization: Bearer").isTrue();
        assertThat(sent.headers()).containsKey("authorization");
        assertThat(sent.body().at("/messages/0")).isEqualTo(Json.fromString(
                "{\"role\":\"system\",\"content\":\"be brief\"}", JsonNode.class));
        assertThat(sent.body().at("/options/num_predict").asInt()).isEqualTo(24);
        assertThat(sent.body().at("/options/stop/0").asText()).isEqualTo("END");
        assertThat(sent.body().at("/options/temperature").asDouble()).isEqualTo(0.1);
        assertThat(sent.body().at("/tools/0/function/name").asText()).isEqualTo("read_file");
        assertThat(sent.body().at("/tools/0/function/parameters/properties/path/type").asText()).isEqualTo("string");
        assertThat(sent.body().get("stream").asBoolean()).isTrue();
        // the bytes, joined, are the simulator's NDJSON answer, ending with its done line
        String stream = joinedBytes(records);
        StringBuilder text = new StringBuilder();
        for (String line : stream.split("\n")) {
            text.append(Json.fromString(line, JsonNode.class).at("/message/content").asText(""));
        }
        assertThat(text.toString()).isEqualTo(sent.plan().text());
        assertThat(stream.strip().lines().reduce((a, b) -> b).orElseThrow()).contains("\"done\":true");
    }

    @Test
    void translatesARequestForGeminiStreamGenerateContent() throws Exception {
        RequestRecord.Start start = startIn("gemini", ProviderFormat.GEMINI, "gemini-sim", "gemini please");
        List<ChunkRecord> records = awaitSessionEnd(start.sessionId());
        assertCompleted(records, "text/event-stream");
        RecordedRequest sent = sentTo("/v1beta/models/gemini-sim:streamGenerateContent", "/contents/0/parts/0/text",
                "gemini please");
        assertThat(sent.authorized()).as("x-goog-api-key").isTrue();
        assertThat(sent.headers()).containsKey("x-goog-api-key").doesNotContainKey("authorization");
        assertThat(sent.body().at("/systemInstruction/parts/0/text").asText()).isEqualTo("be brief");
        assertThat(sent.body().at("/contents/0/role").asText()).isEqualTo("user");
        assertThat(sent.body().at("/generationConfig/maxOutputTokens").asInt()).isEqualTo(24);
        assertThat(sent.body().at("/generationConfig/stopSequences/0").asText()).isEqualTo("END");
        assertThat(sent.body().at("/tools/0/functionDeclarations/0/name").asText()).isEqualTo("read_file");
        assertThat(sent.body().at("/tools/0/functionDeclarations/0/parameters/properties/path/type").asText())
                .isEqualTo("string");
        String stream = joinedBytes(records);
        StringBuilder text = new StringBuilder();
        for (String line : stream.split("\r\n")) {
            if (line.startsWith("data: ")) {
                Json.fromString(line.substring(6), JsonNode.class).at("/candidates/0/content/parts")
                        .forEach(part -> text.append(part.path("text").asText("")));
            }
        }
        assertThat(text.toString()).isEqualTo(sent.plan().text());
        assertThat(stream).contains("finishReason");
    }

    @Test
    void theUpstreamKeyIsInNoRecordOfAnyFormat() throws Exception {
        List<RequestRecord.Start> sessions = List.of(start("sim", "secrets?"),
                startIn("claude", ProviderFormat.ANTHROPIC, "claude-sim", "secrets, anthropic?"),
                startIn("responses", ProviderFormat.OPENAI_RESPONSES, "gpt-sim", "secrets, responses?"),
                startIn("ollama", ProviderFormat.OLLAMA, "llama-sim", "secrets, ollama?"),
                startIn("gemini", ProviderFormat.GEMINI, "gemini-sim", "secrets, gemini?"));
        for (RequestRecord.Start session : sessions) {
            assertThat(awaitSessionEnd(session.sessionId()).getLast()).isInstanceOfSatisfying(ChunkRecord.SessionEnded.class,
                    e -> assertThat(e.outcome()).as(session.upstream()).isEqualTo(ChunkRecord.SessionOutcome.COMPLETED));
        }
        assertThat(rawBySession).containsKeys(sessions.stream().map(RequestRecord.Start::sessionId).toArray(String[]::new));
        for (List<ConsumerRecord<String, byte[]>> raws : rawBySession.values()) {
            for (ConsumerRecord<String, byte[]> raw : raws) {
                assertThat(new String(raw.value(), StandardCharsets.UTF_8)).doesNotContain(SIM_KEY);
                raw.headers().forEach(h -> assertThat(new String(h.value(), StandardCharsets.UTF_8)).doesNotContain(SIM_KEY));
            }
        }
    }

    private static RequestRecord.Start startIn(String upstream, ProviderFormat format, String model, String prompt)
            throws Exception {
        RequestRecord.Start start = new RequestRecord.Start(SessionIds.newId(), "test-owner", upstream, format, model,
                List.of(RequestRecord.ChatMessage.text("system", "be brief"), RequestRecord.ChatMessage.text("user", prompt)),
                toolParams(), Instant.now(), null);
        requests.send(new ProducerRecord<>(Topics.REQUESTS, start.sessionId(), start)).get();
        return start;
    }

    private static void assertCompleted(List<ChunkRecord> records, String contentType) {
        assertThat(records.getFirst()).isInstanceOfSatisfying(ChunkRecord.AttemptStarted.class, s -> {
            assertThat(s.upstreamStatus()).isEqualTo(200);
            assertThat(s.contentType()).startsWith(contentType);
        });
        assertThat(records.getLast()).isInstanceOfSatisfying(ChunkRecord.SessionEnded.class,
                e -> assertThat(e.outcome()).isEqualTo(ChunkRecord.SessionOutcome.COMPLETED));
        assertThat(records.stream().filter(ChunkRecord.AttemptStarted.class::isInstance)).hasSize(1);
    }

    private static RecordedRequest sentTo(String path, String promptPointer, String prompt) {
        return sim.recentRequests().stream()
                .filter(r -> r.path().equals(path) && r.body() != null && r.body().at(promptPointer).asText().equals(prompt))
                .findFirst().orElseThrow(() -> new AssertionError("no request to " + path + " with " + prompt
                        + " among " + sim.recentRequests().stream().map(RecordedRequest::path).toList()));
    }

    private static String joinedBytes(List<ChunkRecord> records) {
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        records.stream().filter(ChunkRecord.Chunk.class::isInstance)
                .forEach(c -> joined.writeBytes(((ChunkRecord.Chunk) c).bytes()));
        return joined.toString(StandardCharsets.UTF_8);
    }

    @Test
    void anErrorStatusEndsTheSessionWithAClassifiedErrorAndKeepsTheBody() throws Exception {
        RequestRecord.Start start = start("sim-wrong-key", "no key");
        List<ChunkRecord> records = awaitSessionEnd(start.sessionId());
        assertThat(records.getFirst()).isInstanceOfSatisfying(ChunkRecord.AttemptStarted.class,
                s -> assertThat(s.upstreamStatus()).isEqualTo(401));
        assertThat(records).filteredOn(ChunkRecord.Chunk.class::isInstance).singleElement()
                .satisfies(c -> assertThat(new String(((ChunkRecord.Chunk) c).bytes(), StandardCharsets.UTF_8))
                        .contains("invalid_api_key"));
        assertThat(records.getLast()).isInstanceOfSatisfying(ChunkRecord.SessionEnded.class, e -> {
            assertThat(e.outcome()).isEqualTo(ChunkRecord.SessionOutcome.FAILED);
            assertThat(e.code()).isEqualTo("upstream_unauthorized");
            assertThat(e.retryable()).isFalse();
        });
    }

    @Test
    void anUnreachableUpstreamEndsTheSessionInsteadOfHanging() throws Exception {
        RequestRecord.Start start = start("nowhere", "hello?");
        List<ChunkRecord> records = awaitSessionEnd(start.sessionId());
        assertThat(records.getLast()).isInstanceOfSatisfying(ChunkRecord.SessionEnded.class, e -> {
            assertThat(e.outcome()).isEqualTo(ChunkRecord.SessionOutcome.FAILED);
            assertThat(e.code()).isEqualTo("upstream_unreachable");
            assertThat(e.retryable()).isTrue();
        });
    }

    @Test
    void aMissingKeyVariableStopsStartupNamingTheKey() {
        var overlay = ConfigLoader.parseYaml("upstreams: {paid: {format: openai-chat, base_url: http://127.0.0.1:1/v1,"
                + " api_key_env: REWIND_TEST_NO_SUCH_VARIABLE}}");
        IngestConfig config = ConfigLoader.load(IngestConfig.class, overlay, Map.of(),
                ConfigLoader.KAFKA_DEFAULTS, "ingest-defaults.yaml");
        assertThatThrownBy(() -> IngestService.start(config, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("upstreams.paid.api_key_env");
    }

    @Test
    void anUnknownFormatStopsStartupNamingTheKey() {
        var overlay = ConfigLoader.parseYaml("upstreams: {gem: {format: cohere, base_url: http://127.0.0.1:1}}");
        assertThatThrownBy(() -> ConfigLoader.load(IngestConfig.class, overlay, Map.of(),
                        ConfigLoader.KAFKA_DEFAULTS, "ingest-defaults.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("upstreams.gem.format");
    }

    private static RequestRecord.Start start(String upstream, String prompt) throws Exception {
        RequestRecord.Start start = new RequestRecord.Start(SessionIds.newId(), "test-owner", upstream,
                ProviderFormat.OPENAI_CHAT, "sim-small", List.of(RequestRecord.ChatMessage.text("user", prompt)),
                Json.MAPPER.createObjectNode().put("max_tokens", 24), Instant.now(), null);
        requests.send(new ProducerRecord<>(Topics.REQUESTS, start.sessionId(), start)).get();
        return start;
    }

    private static List<ChunkRecord> awaitSessionEnd(String sessionId) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (ConsumerRecord<String, byte[]> r : chunks.poll(Duration.ofMillis(200))) {
                rawBySession.computeIfAbsent(r.key(), k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                        .add(r);
            }
            List<ConsumerRecord<String, byte[]>> raws = rawBySession.getOrDefault(sessionId, List.of());
            return !raws.isEmpty() && decode(raws.getLast()) instanceof ChunkRecord.SessionEnded;
        });
        return rawBySession.get(sessionId).stream().map(IngestServiceTest::decode).toList();
    }

    private static ChunkRecord decode(ConsumerRecord<String, byte[]> record) {
        return Serdes.CHUNK.deserialize(Topics.CHUNKS, record.headers(), record.value());
    }

    private static JsonNode sentBodyFor(RequestRecord.Start start) {
        String prompt = start.messages().getFirst().content().asText();
        return sim.recentRequests().stream()
                .map(r -> r.body())
                .filter(b -> b.at("/messages/0/content").asText().equals(prompt))
                .findFirst().orElseThrow();
    }

    /** The content deltas of a Chat Completions stream, for comparison with the simulator's plan. */
    private static String textOf(String stream) {
        StringBuilder text = new StringBuilder();
        for (String line : stream.split("\n")) {
            if (line.startsWith("data: {")) {
                JsonNode chunk = Json.fromString(line.substring(6), JsonNode.class);
                JsonNode content = chunk.at("/choices/0/delta/content");
                if (content.isTextual()) {
                    text.append(content.asText());
                }
            }
        }
        return text.toString();
    }
}
