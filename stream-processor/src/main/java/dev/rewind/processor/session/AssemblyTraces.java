package dev.rewind.processor.session;

import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.telemetry.GenAi;
import dev.rewind.protocol.telemetry.KafkaTraceHeaders;
import dev.rewind.protocol.telemetry.Telemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * One assembly span per live session of a task, and the trace headers its token and summary
 * records carry: built once when the session is first seen here, shared by all its records. The
 * span is a child of the trace its first record carries (the edge's creation, through the request),
 * linked to the context of each attempt's records — never a span per token. Sessions are held in
 * memory only while live, at most {@code maxSessions} (the oldest is ended first); a task that
 * moves to another instance starts there with a new span in the same trace.
 */
final class AssemblyTraces {

    private static final Headers NONE = readOnly(new RecordHeaders());
    private static final AttributeKey<Long> TOKENS = AttributeKey.longKey("rewind.tokens");
    private static final AttributeKey<String> STATUS = AttributeKey.stringKey("rewind.status");

    /** A live session's span, its records' headers, the last linked context, and (capture_content) its completion so far. */
    static final class Trace {
        final Span span;
        final Headers headers;
        private byte[] linked;
        final StringBuilder completion;

        private Trace(Span span, Headers headers, StringBuilder completion) {
            this.span = span;
            this.headers = headers;
            this.completion = completion;
        }

        /** The text of a token event, kept only with capture_content (then cut at GenAi.MAX_CONTENT_CHARS). */
        void text(String text) {
            if (completion != null && completion.length() < GenAi.MAX_CONTENT_CHARS) {
                completion.append(text);
            }
        }

        /** A new attempt replaces what the last one said. */
        void reset() {
            if (completion != null) {
                completion.setLength(0);
            }
        }
    }

    private final Telemetry telemetry;
    private final int maxSessions;
    private final Map<String, Trace> live;

    AssemblyTraces(Telemetry telemetry, int maxSessions) {
        this.telemetry = telemetry;
        this.maxSessions = maxSessions;
        this.live = new LinkedHashMap<>();
    }

    /**
     * The session's trace, started on its first record here. {@code value} is the decoded record:
     * a marker's context, when new, is linked (ingest writes each attempt's context on its records,
     * so markers see every attempt; chunks are never looked at).
     */
    Trace enter(String sessionId, Headers recordHeaders, Object value) {
        Trace trace = live.get(sessionId);
        if (trace == null) {
            trace = start(sessionId, recordHeaders);
        }
        if (telemetry.enabled() && !(value instanceof ChunkRecord.Chunk)) {
            link(trace, recordHeaders);
        }
        return trace;
    }

    private Trace start(String sessionId, Headers recordHeaders) {
        if (live.size() >= maxSessions) {
            var oldest = live.entrySet().iterator();
            Trace evicted = oldest.next().getValue();
            evicted.span.setAttribute(STATUS, "evicted");
            evicted.span.end();
            oldest.remove();
        }
        Context parent = KafkaTraceHeaders.extract(recordHeaders);
        Span span = telemetry.tracer().spanBuilder("rewind.assemble").setParent(parent)
                .setAttribute(GenAi.SESSION_ID, sessionId)
                .startSpan();
        // with tracing off the no-op span keeps the parent's ids: the caller's trace still travels on
        Trace trace = new Trace(span, KafkaTraceHeaders.readOnly(parent.with(span)),
                telemetry.captureContent() && span.isRecording() ? new StringBuilder() : null);
        Header first = recordHeaders.lastHeader(KafkaTraceHeaders.TRACEPARENT);
        trace.linked = first == null ? null : first.value(); // the parent, not a link
        live.put(sessionId, trace);
        return trace;
    }

    private static void link(Trace trace, Headers recordHeaders) {
        Header traceparent = recordHeaders.lastHeader(KafkaTraceHeaders.TRACEPARENT);
        if (traceparent == null || Arrays.equals(traceparent.value(), trace.linked)) {
            return;
        }
        trace.linked = traceparent.value();
        SpanContext context = Span.fromContext(KafkaTraceHeaders.extract(recordHeaders)).getSpanContext();
        if (context.isValid() && !context.equals(trace.span.getSpanContext())) {
            trace.span.addLink(context);
        }
    }

    /** The session ended: its span gets what the session became (GenAI usage and finish reason) and ends. */
    void ended(String sessionId, SessionState state) {
        Trace trace = live.remove(sessionId);
        if (trace == null || !trace.span.isRecording()) {
            return;
        }
        Span span = trace.span;
        if (state.model != null) {
            span.setAttribute(GenAi.REQUEST_MODEL, state.model);
        }
        if (state.providerFormat != null) {
            span.setAttribute(GenAi.PROVIDER_NAME, GenAi.providerName(state.providerFormat));
        }
        span.setAttribute(GenAi.OPERATION_NAME, GenAi.CHAT);
        span.setAttribute(TOKENS, state.tokenCount);
        span.setAttribute(STATUS, state.status.name().toLowerCase(java.util.Locale.ROOT));
        long input = GenAi.inputTokens(state.usage);
        long output = GenAi.outputTokens(state.usage);
        if (input >= 0) {
            span.setAttribute(GenAi.INPUT_TOKENS, input);
        }
        if (output >= 0) {
            span.setAttribute(GenAi.OUTPUT_TOKENS, output);
        }
        if (state.normalisedFinishReason != null) {
            span.setAttribute(GenAi.FINISH_REASONS, List.of(state.normalisedFinishReason));
        }
        if (state.error != null) {
            span.setAttribute(GenAi.ERROR_TYPE, state.error.code());
            span.setStatus(StatusCode.ERROR, state.error.message());
        }
        if (trace.completion != null) {
            span.setAttribute(GenAi.OUTPUT_MESSAGES, dev.rewind.protocol.Json.toString(List.of(Map.of("role", "assistant",
                    "parts", List.of(Map.of("type", "text", "content", trace.completion.toString()))))));
        }
        span.end();
    }

    /** The task closes (a rebalance, shutdown): the spans of its live sessions end; the next owner starts new ones. */
    void closeAll() {
        for (Trace trace : live.values()) {
            trace.span.setAttribute(STATUS, "handed_over");
            trace.span.end();
        }
        live.clear();
    }

    private static Headers readOnly(RecordHeaders headers) {
        headers.setReadOnly();
        return headers;
    }
}
