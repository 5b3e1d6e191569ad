package dev.rewind.protocol.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rewind.protocol.config.ConfigException;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class KafkaTraceHeadersTest {

    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private final Telemetry telemetry = Telemetry.of(OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exported)).build())
            .build(), false);

    @Test
    void aSpansContextTravelsThroughRecordHeaders() {
        Span span = telemetry.tracer().spanBuilder("create").startSpan();
        RecordHeaders headers = new RecordHeaders();
        headers.add("rewind-type", "chunk".getBytes(StandardCharsets.US_ASCII));
        KafkaTraceHeaders.inject(Context.root().with(span), headers);
        KafkaTraceHeaders.inject(Context.root().with(span), headers); // a second write replaces the first

        assertThat(headers.headers(KafkaTraceHeaders.TRACEPARENT)).hasSize(1);
        SpanContext read = Span.fromContext(KafkaTraceHeaders.extract(headers)).getSpanContext();
        assertThat(read.getTraceId()).isEqualTo(span.getSpanContext().getTraceId());
        assertThat(read.getSpanId()).isEqualTo(span.getSpanContext().getSpanId());
        assertThat(read.isRemote()).isTrue();
        span.end();
    }

    @Test
    void noTraceWritesNoHeaders() {
        RecordHeaders headers = new RecordHeaders();
        KafkaTraceHeaders.inject(Context.root(), headers);
        KafkaTraceHeaders.inject(Context.root().with(Telemetry.off().tracer().spanBuilder("x").startSpan()), headers);

        assertThat(headers.toArray()).isEmpty();
    }

    @Test
    void aBrokenTraceparentIsANewRootNotAFailure() {
        RecordHeaders headers = new RecordHeaders();
        headers.add(KafkaTraceHeaders.TRACEPARENT, "00-not-a-trace".getBytes(StandardCharsets.US_ASCII));

        assertThat(Span.fromContext(KafkaTraceHeaders.extract(headers)).getSpanContext().isValid()).isFalse();
    }

    @Test
    void tracingIsOffWithoutAnEndpoint() {
        Telemetry off = Telemetry.start("rewind-test", new TelemetrySettings("", true), Map.of());

        assertThat(off.enabled()).isFalse();
        assertThat(off.tracer().spanBuilder("x").startSpan().getSpanContext().isValid()).isFalse();
    }

    @Test
    void anEndpointThatIsNoUrlIsRefusedByName() {
        assertThatThrownBy(() -> new TelemetrySettings("localhost:4317", false))
                .isInstanceOf(ConfigException.class).hasMessageContaining("endpoint");
    }
}
