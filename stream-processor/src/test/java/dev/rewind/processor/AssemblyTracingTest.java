package dev.rewind.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.processor.session.ProcessorMetrics;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ChunkRecord.AttemptOutcome;
import dev.rewind.protocol.ChunkRecord.SessionOutcome;
import dev.rewind.protocol.ChunkSerde;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.Topics;
import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.protocol.telemetry.GenAi;
import dev.rewind.protocol.telemetry.KafkaTraceHeaders;
import dev.rewind.protocol.telemetry.Telemetry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The processor's assembly span and the trace headers of what it writes. */
class AssemblyTracingTest {

    private static final String S = "s_AAAAAAAAAAAAAAAAAAAAAA";
    private static final Instant T0 = Instant.parse("2026-12-08T01:00:00Z");
    private static final SpanContext EDGE = SpanContext.createFromRemoteParent("4bf92f3577b34da6a3ce929d0e0e4736",
            "00f067aa0ba902b7", TraceFlags.getSampled(), TraceState.getDefault());
    private static final SpanContext ATTEMPT_1 = child("1111111111111111");
    private static final SpanContext ATTEMPT_2 = child("2222222222222222");

    @TempDir
    Path stateDir;

    private final InMemorySpanExporter exported = InMemorySpanExporter.create();

    @Test
    void oneSpanPerSessionLinkedToEachAttemptWithUsageAndTheCompletionOnlyWhenCaptured() {
        for (boolean capture : new boolean[] {true, false}) {
            exported.reset();
            List<TestRecord<String, TokenEvent>> tokens = runSession(Telemetry.of(sdk(), capture));

            SpanData assemble = exported.getFinishedSpanItems().stream().filter(s -> s.getName().equals("rewind.assemble"))
                    .collect(java.util.stream.Collectors.toList()).getFirst();
            assertThat(exported.getFinishedSpanItems()).hasSize(1); // no span per token
            assertThat(assemble.getTraceId()).isEqualTo(EDGE.getTraceId());
            assertThat(assemble.getParentSpanId()).isEqualTo(EDGE.getSpanId());
            assertThat(assemble.getLinks()).extracting(LinkData::getSpanContext).extracting(SpanContext::getSpanId)
                    .containsExactly(ATTEMPT_1.getSpanId(), ATTEMPT_2.getSpanId());
            assertThat(assemble.getAttributes().get(GenAi.INPUT_TOKENS)).isEqualTo(3L);
            assertThat(assemble.getAttributes().get(GenAi.OUTPUT_TOKENS)).isEqualTo(2L);
            assertThat(assemble.getAttributes().get(GenAi.FINISH_REASONS)).containsExactly("stop");
            if (capture) {
                // after the reset: the completion is what the last attempt said
                assertThat(assemble.getAttributes().get(GenAi.OUTPUT_MESSAGES)).contains("\"content\":\"whole answer\"")
                        .doesNotContain("partial");
            } else {
                assertThat(assemble.getAttributes().get(GenAi.OUTPUT_MESSAGES)).isNull();
            }
            // every token record carries the assembly span's context, and none of the chunks' own headers
            assertThat(tokens).isNotEmpty().allSatisfy(record -> {
                SpanContext carried = Span.fromContext(KafkaTraceHeaders.extract(record.headers())).getSpanContext();
                assertThat(carried.getSpanId()).isEqualTo(assemble.getSpanId());
                assertThat(record.headers().lastHeader(ChunkSerde.TYPE)).isNull();
            });
        }
    }

    @Test
    void untracedTheCallersTraceStillTravelsOn() {
        List<TestRecord<String, TokenEvent>> traced = runSession(Telemetry.off());
        assertThat(traced).isNotEmpty().allSatisfy(record ->
                assertThat(Span.fromContext(KafkaTraceHeaders.extract(record.headers())).getSpanContext().getSpanId())
                        .isEqualTo(EDGE.getSpanId()));
    }

    private List<TestRecord<String, TokenEvent>> runSession(Telemetry telemetry) {
        ProcessorConfig config = ConfigLoader.load(ProcessorConfig.class,
                ConfigLoader.parseYaml("state_dir: \"" + stateDir + "\""), Map.of(),
                ConfigLoader.KAFKA_DEFAULTS, "stream-processor-defaults.yaml");
        try (TopologyTestDriver driver = new TopologyTestDriver(
                ProcessorTopology.buildTopology(config, new ProcessorMetrics(new SimpleMeterRegistry()), telemetry),
                ProcessorTopology.streamsConfig(config))) {
            TestInputTopic<String, RequestRecord> requests = driver.createInputTopic(Topics.REQUESTS, new StringSerializer(), Serdes.REQUEST);
            TestInputTopic<String, ChunkRecord> chunks = driver.createInputTopic(Topics.CHUNKS, new StringSerializer(), Serdes.CHUNK);
            TestOutputTopic<String, TokenEvent> tokens = driver.createOutputTopic(Topics.TOKENS, new StringDeserializer(), Serdes.TOKEN);
            requests.pipeInput(new TestRecord<>(S, new RequestRecord.Start(S, "owner-1", "sim", ProviderFormat.OPENAI_CHAT,
                    "sim-small", List.of(RequestRecord.ChatMessage.text("user", "hi")), Json.MAPPER.createObjectNode(), T0, null),
                    headers(EDGE), T0));
            chunks.pipeInput(new TestRecord<>(S, started(1), headers(ATTEMPT_1), T0.plusMillis(1)));
            chunks.pipeInput(new TestRecord<>(S, chunk(1, "data: {\"choices\":[{\"delta\":{\"content\":\"partial\"}}]}\n\n"),
                    headers(ATTEMPT_1), T0.plusMillis(2)));
            chunks.pipeInput(new TestRecord<>(S, new ChunkRecord.AttemptEnded(S, 1, AttemptOutcome.FAILED, "broke", true, T0),
                    headers(ATTEMPT_1), T0.plusMillis(3)));
            chunks.pipeInput(new TestRecord<>(S, started(2), headers(ATTEMPT_2), T0.plusMillis(4)));
            chunks.pipeInput(new TestRecord<>(S, chunk(2, "data: {\"choices\":[{\"delta\":{\"content\":\"whole \"}}]}\n\n"
                    + "data: {\"choices\":[{\"delta\":{\"content\":\"answer\"},\"finish_reason\":\"stop\"}]}\n\n"
                    + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n"),
                    headers(ATTEMPT_2), T0.plusMillis(5)));
            chunks.pipeInput(new TestRecord<>(S, new ChunkRecord.AttemptEnded(S, 2, AttemptOutcome.COMPLETED, "ended", false, T0),
                    headers(ATTEMPT_2), T0.plusMillis(6)));
            chunks.pipeInput(new TestRecord<>(S, new ChunkRecord.SessionEnded(S, 2, SessionOutcome.COMPLETED, "done", null, null,
                    null, T0), headers(ATTEMPT_2), T0.plusMillis(7)));
            return tokens.readRecordsToList();
        }
    }

    private static ChunkRecord started(int attempt) {
        return new ChunkRecord.AttemptStarted(S, attempt, 200, "text/event-stream", "sim", "sim-small", ProviderFormat.OPENAI_CHAT, T0);
    }

    private static ChunkRecord chunk(int attempt, String text) {
        return new ChunkRecord.Chunk(S, attempt, 1, ProviderFormat.OPENAI_CHAT, text.getBytes(StandardCharsets.UTF_8), T0);
    }

    private static Headers headers(SpanContext context) {
        RecordHeaders headers = new RecordHeaders();
        KafkaTraceHeaders.inject(Context.root().with(Span.wrap(context)), headers);
        return headers;
    }

    private static SpanContext child(String spanId) {
        return SpanContext.createFromRemoteParent(EDGE.getTraceId(), spanId, TraceFlags.getSampled(), TraceState.getDefault());
    }

    private OpenTelemetrySdk sdk() {
        return OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exported)).build()).build();
    }
}
