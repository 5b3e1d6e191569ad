package dev.rewind.protocol.telemetry;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The trace context of a record in its Kafka headers: W3C {@code traceparent} and
 * {@code tracestate}, the same on every topic and for every service. Always W3C (not
 * {@code OTEL_PROPAGATORS}): the headers are part of the topic contract that outside consumers read.
 * An invalid (absent) context writes nothing, so with tracing off and no caller's trace a record
 * carries no extra bytes.
 */
public final class KafkaTraceHeaders {

    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    private static final TextMapPropagator W3C = W3CTraceContextPropagator.getInstance();

    private KafkaTraceHeaders() {}

    /** Writes {@code context}'s span context into {@code headers}, replacing any earlier trace headers. */
    public static void inject(Context context, Headers headers) {
        headers.remove(TRACEPARENT).remove(TRACESTATE);
        W3C.inject(context, headers, SETTER);
    }

    /**
     * {@code context}'s trace headers, built once for all the records of one session or attempt
     * (a producer copies them into each record); empty when there is no valid context.
     */
    public static List<Header> of(Context context) {
        List<Header> headers = new ArrayList<>(2);
        W3C.inject(context, headers, (list, key, value) -> list.add(new RecordHeader(key, value.getBytes(StandardCharsets.US_ASCII))));
        return List.copyOf(headers);
    }

    /** As {@link #of}, as read-only record headers that many records may share (a Kafka Streams output). */
    public static Headers readOnly(Context context) {
        RecordHeaders headers = new RecordHeaders(of(context));
        headers.setReadOnly();
        return headers;
    }

    /** The context whose parent is the record's trace, or the root context when it has none (or a broken one). */
    public static Context extract(Headers headers) {
        return W3C.extract(Context.root(), headers, GETTER);
    }

    private static final TextMapSetter<Headers> SETTER =
            (headers, key, value) -> headers.add(key, value.getBytes(StandardCharsets.US_ASCII));

    private static final TextMapGetter<Headers> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
            Set<String> keys = new LinkedHashSet<>();
            for (Header header : headers) {
                keys.add(header.key());
            }
            return keys;
        }

        @Override
        public String get(Headers headers, String key) {
            if (headers == null) {
                return null;
            }
            Header header = headers.lastHeader(key);
            return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.US_ASCII);
        }
    };
}
