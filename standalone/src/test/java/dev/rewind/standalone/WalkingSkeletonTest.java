package dev.rewind.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.rewind.edge.EdgeConfig;
import dev.rewind.edge.EdgeServer;
import dev.rewind.edge.EdgeTestClient;
import dev.rewind.edge.EdgeTestClient.CreatedSession;
import dev.rewind.edge.EdgeTestConfig;
import dev.rewind.edge.stream.SseConnection;
import dev.rewind.ingest.IngestConfig;
import dev.rewind.ingest.IngestService;
import dev.rewind.kafkatest.KafkaBroker;
import dev.rewind.kafkatest.WithKafka;
import dev.rewind.processor.ProcessorConfig;
import dev.rewind.processor.StreamProcessor;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.TopicSettings;
import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.sim.LlmSimulator;
import dev.rewind.sim.RecordedRequest;
import dev.rewind.sim.SimConfig;
import dev.rewind.sim.SimulatedCompletion;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walking skeleton end to end, all through a real broker: POST /v1/sessions → rewind.requests
 * → ingest calls llm-sim → rewind.chunks → stream-processor (exactly-once) → rewind.tokens → SSE.
 */
@WithKafka
class WalkingSkeletonTest {

    private static final int PARTITIONS = 3;
    private static final String SIM_KEY = "sim-upstream-key-31415";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path tmp;

    /** A model whose first attempt the simulator breaks with an in-band error after 3 tokens; priced in the processor. */
    private static final String FAILS_ONCE_MODEL = "sim-small@error-after=3x1";
    private static LlmSimulator sim;
    private static StreamProcessor processor;
    private static IngestService ingest;
    private static EdgeServer edge;

    @BeforeAll
    static void start(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        broker.ensureRewindTopics(TopicSettings.singleBroker().withPartitions(PARTITIONS));
        sim = LlmSimulator.start(ConfigLoader.load(SimConfig.class, ConfigLoader.parseYaml(
                "{host: 127.0.0.1, port: 0, tokens_per_second: 40, first_token_delay_ms: 50, api_key: " + SIM_KEY + "}"),
                Map.of(), "llm-sim-defaults.yaml"));
        processor = StreamProcessor.start(ConfigLoader.load(ProcessorConfig.class, ConfigLoader.parseYaml("""
                kafka: {bootstrap_servers: "%s"}
                ops: {host: 127.0.0.1, port: 0}
                topics: {partitions: %d}
                state_dir: "%s"
                prices:
                  currency: USD
                  models: {sim: {"%s": {input: 1, output: 2}}}
                """.formatted(bootstrap, PARTITIONS, tmp.resolve("streams"), FAILS_ONCE_MODEL)), Map.of(),
                ConfigLoader.KAFKA_DEFAULTS, "stream-processor-defaults.yaml"));
        Path keyFile = java.nio.file.Files.writeString(tmp.resolve("sim.key"), SIM_KEY);
        ingest = IngestService.start(ConfigLoader.load(IngestConfig.class, ConfigLoader.parseYaml("""
                kafka: {bootstrap_servers: "%s"}
                ops: {host: 127.0.0.1, port: 0}
                topics: {partitions: %d}
                upstreams:
                  sim: {format: openai-chat, base_url: "%s/v1", api_key_file: "%s"}
                  sim-anthropic: {format: anthropic, base_url: "%s/v1", api_key_file: "%s"}
                  sim-responses: {format: openai-responses, base_url: "%s/v1", api_key_file: "%s"}
                """.formatted(bootstrap, PARTITIONS, sim.baseUrl(), keyFile, sim.baseUrl(), keyFile, sim.baseUrl(), keyFile)),
                Map.of(),
                ConfigLoader.KAFKA_DEFAULTS, "ingest-defaults.yaml"), Map.of());
        EdgeConfig edgeConfig = EdgeTestConfig.forBroker(bootstrap, PARTITIONS,
                "upstreams: {sim-anthropic: {format: anthropic}, sim-responses: {format: openai-responses}}");
        edge = EdgeServer.start(edgeConfig, Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        edge.close();
        ingest.close();
        processor.close();
        sim.close();
    }

    @Test
    void streamsWhatTheUpstreamGeneratedFromPromptToBrowser() throws Exception {
        CreatedSession session = create("Tell me about durable streams.");
        try (SseConnection sse = SseConnection.open(HTTP, eventsUri(session), bearer(session.token()))) {
            assertThat(sse.status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(60)).until(sse::ended);
            List<SseConnection.Event> events = sse.events();
            assertThat(events.getFirst().event()).isEqualTo("start");
            assertThat(events.getLast().event()).isEqualTo("done");
            assertThat(events).filteredOn(SseConnection.Event::isTerminal).hasSize(1);
            assertThat(events).extracting(e -> e.json().get("seq").asLong())
                    .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, events.size()).boxed().toList());
            assertThat(sse.text()).isEqualTo(generatedFor("Tell me about durable streams.").text());
            JsonNode done = events.getLast().json();
            assertThat(done.get("finish_reason").asText()).isEqualTo("stop");
            assertThat(done.at("/usage/completion_tokens").asInt()).isEqualTo(generatedFor("Tell me about durable streams.").completionTokens());
        }
    }

    @Test
    void theSessionApiShowsEveryAttemptsUsageAndCostTheFailedOneEstimated() throws Exception {
        String prompt = "Fail once, then tell me what it cost.";
        CreatedSession session = EdgeTestClient.createSession(HTTP, base(), EdgeTestConfig.API_KEY, null, FAILS_ONCE_MODEL, prompt);
        HttpRequest summary = HttpRequest.newBuilder(URI.create(base() + "/v1/sessions/" + session.id()))
                .header("Authorization", "Bearer " + EdgeTestConfig.API_KEY).timeout(Duration.ofSeconds(10)).build();
        JsonNode view = await().atMost(Duration.ofSeconds(60)).until(
                () -> Json.fromString(HTTP.send(summary, HttpResponse.BodyHandlers.ofString()).body(), JsonNode.class),
                json -> json.path("status").asText().equals("completed"));

        SimulatedCompletion generated = generatedFor(prompt);
        JsonNode attempts = view.get("attempts");
        assertThat(attempts).as(view.toString()).hasSize(2);
        // the first attempt's stream broke after 3 tokens without a usage report: its output is estimated
        assertThat(attempts.get(0).at("/usage/estimated").asBoolean()).isTrue();
        assertThat(attempts.get(0).at("/usage/output_tokens").asLong()).isPositive();
        assertThat(attempts.get(0).at("/cost/estimated").asBoolean()).isTrue();
        assertThat(attempts.get(1).at("/usage/estimated").asBoolean()).isFalse();
        assertThat(attempts.get(1).at("/usage/input_tokens").asLong()).isEqualTo(generated.promptTokens());
        assertThat(attempts.get(1).at("/usage/output_tokens").asLong()).isEqualTo(generated.completionTokens());
        // 1 and 2 USD per million input and output tokens, summed over both attempts
        long output = attempts.get(0).at("/usage/output_tokens").asLong() + generated.completionTokens();
        BigDecimal expected = BigDecimal.valueOf(generated.promptTokens() + 2 * output).movePointLeft(6);
        assertThat(view.at("/cost/amount").decimalValue()).isEqualByComparingTo(expected);
        assertThat(view.at("/cost/currency").asText()).isEqualTo("USD");
        assertThat(view.at("/total_usage/output_tokens").asLong()).isEqualTo(output);
    }

    @Test
    void aReconnectWithLastEventIdContinuesRightAfterThatEventWhileGenerating() throws Exception {
        String prompt = "Resume me in the middle, please.";
        CreatedSession session = create(prompt);
        List<SseConnection.Event> seen = new ArrayList<>();
        try (SseConnection first = SseConnection.open(HTTP, eventsUri(session), bearer(session.token()))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> first.events().size() >= 6);
            seen.addAll(first.events());
        }
        String lastId = seen.getLast().id();
        Map<String, String> resume = Map.of("Authorization", "Bearer " + session.token(), "Last-Event-ID", lastId);
        try (SseConnection second = SseConnection.open(HTTP, eventsUri(session), resume)) {
            await().atMost(Duration.ofSeconds(60)).until(second::ended);
            assertThat(second.events().getFirst().json().get("seq").asLong())
                    .isEqualTo(seen.getLast().json().get("seq").asLong() + 1);
            seen.addAll(second.events());
        }
        assertThat(seen).extracting(e -> e.json().get("seq").asLong())
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, seen.size()).boxed().toList());
        StringBuilder text = new StringBuilder();
        seen.stream().filter(e -> e.event().equals("token")).forEach(e -> text.append(e.json().get("text").asText()));
        assertThat(text.toString()).isEqualTo(generatedFor(prompt).text());
        assertThat(seen.getLast().event()).isEqualTo("done");

        // long after generation, the whole session replays from the start, identically
        try (SseConnection replay = SseConnection.open(HTTP, eventsUri(session), bearer(session.token()))) {
            await().atMost(Duration.ofSeconds(30)).until(replay::ended);
            assertThat(replay.events()).isEqualTo(seen);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"sim-anthropic", "sim-responses"})
    void streamsWhatTheUpstreamGeneratedInEveryProviderFormat(String upstream) throws Exception {
        String prompt = "Speak " + upstream + ", please.";
        CreatedSession session = EdgeTestClient.createSession(HTTP, base(), EdgeTestConfig.API_KEY, upstream, prompt);
        try (SseConnection sse = SseConnection.open(HTTP, eventsUri(session), bearer(session.token()))) {
            await().atMost(Duration.ofSeconds(60)).until(sse::ended);
            assertThat(sse.events().getLast().event()).as(sse.events().toString()).isEqualTo("done");
            assertThat(sse.events().getLast().json().get("finish_reason").asText()).isEqualTo("stop");
            assertThat(sse.text()).isEqualTo(generatedFor(prompt).text());
        }
    }

    @Test
    void anOpenAiSdkClientGetsWhatTheUpstreamGeneratedStreamedAndWhole() {
        OpenAIClient openai = OpenAIOkHttpClient.builder().baseUrl(base() + "/v1").apiKey(EdgeTestConfig.API_KEY)
                .maxRetries(0).timeout(Duration.ofSeconds(60)).build();
        try {
            String prompt = "Stream me through the OpenAI SDK.";
            ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
            try (StreamResponse<ChatCompletionChunk> stream = openai.chat().completions().createStreaming(
                    ChatCompletionCreateParams.builder().model("sim/sim-small").addUserMessage(prompt)
                            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
                stream.stream().forEach(accumulator::accumulate);
            }
            ChatCompletion streamed = accumulator.chatCompletion();
            assertThat(streamed.choices().getFirst().message().content()).hasValue(generatedFor(prompt).text());
            assertThat(streamed.usage().orElseThrow().completionTokens()).isEqualTo(generatedFor(prompt).completionTokens());
            String whole = "Answer me whole through the OpenAI SDK.";
            ChatCompletion completion = openai.chat().completions().create(
                    ChatCompletionCreateParams.builder().model("sim-small").addUserMessage(whole).build());
            assertThat(completion.choices().getFirst().message().content()).hasValue(generatedFor(whole).text());
            assertThat(completion.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        } finally {
            openai.close();
        }
    }

    private static SimulatedCompletion generatedFor(String prompt) {
        RecordedRequest request = sim.recentRequests().stream()
                .filter(r -> r.body() != null && (r.body().at("/messages/0/content").asText().equals(prompt)
                        || r.body().at("/input/0/content").asText().equals(prompt)))
                .findFirst().orElseThrow();
        assertThat(request.authorized()).isTrue();
        return SimulatedCompletion.plan(request.body());
    }

    private static CreatedSession create(String prompt) throws Exception {
        return EdgeTestClient.createSession(HTTP, base(), EdgeTestConfig.API_KEY, prompt);
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
