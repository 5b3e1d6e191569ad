package dev.rewind.edge.stream;

import dev.rewind.protocol.telemetry.GenAi;
import dev.rewind.protocol.telemetry.KafkaTraceHeaders;
import dev.rewind.protocol.telemetry.Telemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.header.Headers;

/**
 * The span of one stream connection, made when it closes: it began when the connection opened and
 * is a child of the session's trace as its token records carry it (the processor's assembly). Made
 * at the end so that a stream costs nothing per event — the hub keeps the first record's headers,
 * the connection counts what it wrote — and so that a connection opened before any event existed
 * still finds the trace.
 */
final class DeliveryTrace {

    private static final AttributeKey<String> CURSOR = AttributeKey.stringKey("rewind.stream.cursor");
    private static final AttributeKey<String> TRANSPORT = AttributeKey.stringKey("rewind.stream.transport");
    private static final AttributeKey<Long> EVENTS_SENT = AttributeKey.longKey("rewind.stream.events_sent");

    private final Telemetry telemetry;
    private final String sessionId;
    private final String cursor;
    private final String transport;
    private final long openedAtEpochNanos;

    DeliveryTrace(Telemetry telemetry, String sessionId, String cursor, String transport) {
        this.telemetry = telemetry;
        this.sessionId = sessionId;
        this.cursor = cursor;
        this.transport = transport;
        this.openedAtEpochNanos = telemetry.enabled() ? epochNanos() : 0;
    }

    /** The connection closed after writing {@code eventsSent} events; {@code sessionTrace} is its first record's headers, or null. */
    void closed(Headers sessionTrace, long eventsSent) {
        if (!telemetry.enabled()) {
            return;
        }
        Context parent = sessionTrace == null ? Context.root() : KafkaTraceHeaders.extract(sessionTrace);
        Span span = telemetry.tracer().spanBuilder("rewind.stream.deliver").setParent(parent).setSpanKind(SpanKind.SERVER)
                .setStartTimestamp(openedAtEpochNanos, TimeUnit.NANOSECONDS)
                .setAttribute(GenAi.SESSION_ID, sessionId)
                .setAttribute(CURSOR, cursor)
                .setAttribute(TRANSPORT, transport)
                .setAttribute(EVENTS_SENT, eventsSent)
                .startSpan();
        span.end();
    }

    private static long epochNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
