package dev.rewind.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rewind.edge.EdgeServer;
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
import dev.rewind.protocol.telemetry.GenAi;
import dev.rewind.protocol.telemetry.Telemetry;
import dev.rewind.sim.LlmSimulator;
import dev.rewind.sim.SimConfig;
import dev.rewind.sim.SimulatedCompletion;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One session, traced through a real broker: the caller's traceparent on POST /v1/sessions reaches
 * ingest in the request record's headers, the processor in the chunks' and requests', and the
 * edge's delivery in the tokens' — one trace, with the GenAI attributes. Each service exports into
 * the same in-memory exporter under its own service name. Ingest captures content, the processor
 * and the edge do not: only ingest's spans may carry the prompt.
 */
@WithKafka
class TracingEndToEndTest {

    private static final int PARTITIONS = 3;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CALLER_SPAN = "00f067aa0ba902b7";
    private static final String PROMPT = "Trace this prompt across every service.";
    private static final InMemorySpanExporter EXPORTED = InMemorySpanExporter.create();

    @TempDir
    static Path tmp;

    private static LlmSimulator sim;
    private static StreamProcessor processor;
    private static IngestService ingest;
    private static EdgeServer edge;

    @BeforeAll
    static void start(KafkaBroker broker) {
        String bootstrap = broker.bootstrapServers();
        broker.ensureRewindTopics(TopicSettings.singleBroker().withPartitions(PARTITIONS));
        sim = LlmSimulator.start(ConfigLoader.load(SimConfig.class, ConfigLoader.parseYaml(
                "{host: 127.0.0.1, port: 0, tokens_per_second: 200, first_token_delay_ms: 20}"), Map.of(), "llm-sim-defaults.yaml"));
        processor = StreamProcessor.start(ConfigLoader.load(ProcessorConfig.class, ConfigLoader.parseYaml("""
                kafka: {bootstrap_servers: "%s"}
                ops: {host: 127.0.0.1, port: 0}
                topics: {partitions: %d}
                state_dir: "%s"
                """.formatted(bootstrap, PARTITIONS, tmp.resolve("streams"))), Map.of(),
                ConfigLoader.KAFKA_DEFAULTS, "stream-processor-defaults.yaml"), tracing("rewind-stream-processor", false));
        ingest = IngestService.start(ConfigLoader.load(IngestConfig.class, ConfigLoader.parseYaml("""
                kafka: {bootstrap_servers: "%s"}
                ops: {host: 127.0.0.1, port: 0}
                topics: {partitions: %d}
                upstreams:
                  sim: {format: openai-chat, base_url: "%s/v1"}
                """.formatted(bootstrap, PARTITIONS, sim.baseUrl())), Map.of(), ConfigLoader.KAFKA_DEFAULTS,
                "ingest-defaults.yaml"), Map.of(), new SimpleMeterRegistry(), tracing("rewind-ingest", true));
        edge = EdgeServer.start(EdgeTestConfig.forBroker(bootstrap, PARTITIONS, ""), Clock.systemUTC(),
                tracing("rewind-edge", false));
    }

    @AfterAll
    static void stop() {
        edge.close();
        ingest.close();
        processor.close();
        sim.close();
    }

    @Test
    void oneSessionIsOneTraceAcrossEdgeIngestProcessorAndDelivery() throws Exception {
        String[] created = create();
        try (SseConnection sse = SseConnection.open(HTTP, URI.create(base() + "/v1/sessions/" + created[0] + "/events"),
                Map.of("Authorization", "Bearer " + created[1]))) {
            await().atMost(Duration.ofSeconds(60)).until(sse::ended);
            int eventsSeen = sse.events().size();
            await().atMost(Duration.ofSeconds(30)).until(() -> named("rewind.stream.deliver").size() == 1);
            SpanData deliver = named("rewind.stream.deliver").getFirst();
            assertThat(deliver.getAttributes().get(AttributeKey.longKey("rewind.stream.events_sent"))).isEqualTo((long) eventsSeen);
            assertThat(deliver.getAttributes().get(AttributeKey.stringKey("rewind.stream.cursor"))).isEqualTo("start");

            SpanData create = only("rewind.session.create");
            SpanData session = only("rewind.ingest.session");
            SpanData attempt = only("chat sim-small");
            SpanData assemble = only("rewind.assemble");
            List<SpanData> trace = List.of(create, session, attempt, assemble, deliver);
            assertThat(trace).allSatisfy(span -> assertThat(span.getTraceId()).isEqualTo(TRACE_ID));
            assertThat(create.getParentSpanId()).isEqualTo(CALLER_SPAN);
            assertThat(session.getParentSpanId()).isEqualTo(create.getSpanId());
            assertThat(attempt.getParentSpanId()).isEqualTo(session.getSpanId());
            assertThat(assemble.getParentSpanId()).isEqualTo(create.getSpanId());
            assertThat(deliver.getParentSpanId()).isEqualTo(assemble.getSpanId());
            assertThat(assemble.getLinks()).extracting(LinkData::getSpanContext)
                    .anySatisfy(link -> assertThat(link.getSpanId()).isEqualTo(attempt.getSpanId()));
            assertThat(trace).extracting(span -> span.getResource().getAttribute(AttributeKey.stringKey("service.name")))
                    .containsExactly("rewind-edge", "rewind-ingest", "rewind-ingest", "rewind-stream-processor", "rewind-edge");

            SimulatedCompletion generated = SimulatedCompletion.plan(sim.recentRequests().stream()
                    .filter(r -> r.body() != null && r.body().at("/messages/0/content").asText().equals(PROMPT))
                    .findFirst().orElseThrow().body());
            Attributes client = attempt.getAttributes();
            assertThat(client.get(GenAi.OPERATION_NAME)).isEqualTo("chat");
            assertThat(client.get(GenAi.PROVIDER_NAME)).isEqualTo("openai");
            assertThat(client.get(GenAi.REQUEST_MODEL)).isEqualTo("sim-small");
            assertThat(client.get(GenAi.SESSION_ID)).isEqualTo(created[0]);
            assertThat(attempt.getEvents()).extracting(EventData::getName).contains("gen_ai.first_token");
            Attributes assembled = assemble.getAttributes();
            assertThat(assembled.get(GenAi.OUTPUT_TOKENS)).isEqualTo((long) generated.completionTokens());
            assertThat(assembled.get(GenAi.FINISH_REASONS)).containsExactly("stop");

            // capture_content: on in ingest only, so the prompt is there and nowhere else
            assertThat(client.get(GenAi.INPUT_MESSAGES)).contains(PROMPT);
            assertThat(assembled.get(GenAi.OUTPUT_MESSAGES)).isNull();
            assertThat(List.of(create, session, assemble, deliver)).allSatisfy(span ->
                    assertThat(span.getAttributes().asMap().values()).noneSatisfy(value ->
                            assertThat(value.toString()).contains(PROMPT)));
        }
    }

    private static String[] create() throws Exception {
        String body = Json.toString(Json.MAPPER.createObjectNode().put("model", "sim-small")
                .set("messages", Json.MAPPER.createArrayNode().add(Json.MAPPER.createObjectNode()
                        .put("role", "user").put("content", PROMPT))));
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/v1/sessions"))
                .header("Authorization", "Bearer " + EdgeTestConfig.API_KEY)
                .header("Content-Type", "application/json")
                .header("traceparent", "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01")
                .timeout(Duration.ofSeconds(15))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        var json = Json.fromString(response.body(), com.fasterxml.jackson.databind.JsonNode.class);
        return new String[] {json.get("id").asText(), json.get("token").asText()};
    }

    private static List<SpanData> named(String name) {
        return EXPORTED.getFinishedSpanItems().stream().filter(span -> span.getName().equals(name)).toList();
    }

    private static SpanData only(String name) {
        List<SpanData> spans = named(name);
        assertThat(spans).as(name).hasSize(1);
        return spans.getFirst();
    }

    /** A service's SDK: its own name, every span exported into the shared in-memory exporter as it ends. */
    private static Telemetry tracing(String service, boolean captureContent) {
        return Telemetry.of(OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), service))))
                .addSpanProcessor(SimpleSpanProcessor.create(EXPORTED)).build()).build(), captureContent);
    }

    private static String base() {
        return "http://127.0.0.1:" + edge.port();
    }
}
