package dev.rewind.ingest.session;

import dev.rewind.ingest.upstream.Upstream;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.telemetry.GenAi;
import dev.rewind.protocol.telemetry.KafkaTraceHeaders;
import dev.rewind.protocol.telemetry.Telemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.util.List;
import org.apache.kafka.common.header.Header;

/**
 * The spans of one session run: the session's, a child of the edge's creation (the request
 * record's trace headers), and one GenAI client span per upstream attempt. The trace headers every
 * chunk record carries are built here once per session and once per attempt, never per record:
 * the current attempt's while one runs, the session's for the markers between attempts.
 */
final class SessionTrace {

    private static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
    private static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("rewind.outcome");

    private final Telemetry telemetry;
    private final RequestRecord.Start start;
    private final Upstream upstream;
    private final Span session;
    private final Context sessionContext;
    private final List<Header> sessionHeaders;
    private Span attempt = Span.getInvalid();
    private List<Header> current;

    SessionTrace(Telemetry telemetry, Context parent, RequestRecord.Start start, Upstream upstream) {
        this.telemetry = telemetry;
        this.start = start;
        this.upstream = upstream;
        this.session = telemetry.tracer().spanBuilder("rewind.ingest.session").setParent(parent)
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute(GenAi.SESSION_ID, start.sessionId())
                .setAttribute(GenAi.UPSTREAM, upstream.name())
                .setAttribute(GenAi.REQUEST_MODEL, start.model())
                .setAttribute(GenAi.PROVIDER_NAME, GenAi.providerName(upstream.format()))
                .startSpan();
        if (start.conversationId() != null) {
            session.setAttribute(GenAi.CONVERSATION_ID, start.conversationId());
        }
        this.sessionContext = parent.with(session);
        // with tracing off this still carries the caller's context on: the no-op span keeps its parent's ids
        this.sessionHeaders = headersOf(sessionContext);
        this.current = sessionHeaders;
    }

    /** The trace headers of the records written now (null: none), shared by every record until the next change. */
    List<Header> headers() {
        return current;
    }

    /** A GenAI client span for upstream attempt {@code n}; the records of the attempt carry its context. */
    void attemptStarted(int n) {
        attempt = telemetry.tracer().spanBuilder(GenAi.CHAT + " " + start.model()).setParent(sessionContext)
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute(GenAi.OPERATION_NAME, GenAi.CHAT)
                .setAttribute(GenAi.PROVIDER_NAME, GenAi.providerName(upstream.format()))
                .setAttribute(GenAi.SYSTEM, GenAi.providerName(upstream.format()))
                .setAttribute(GenAi.REQUEST_MODEL, start.model())
                .setAttribute(GenAi.SESSION_ID, start.sessionId())
                .setAttribute(GenAi.ATTEMPT, (long) n)
                .setAttribute(SERVER_ADDRESS, upstream.baseUrl().getHost())
                .startSpan();
        if (telemetry.captureContent() && attempt.isRecording()) {
            attempt.setAttribute(GenAi.INPUT_MESSAGES, GenAi.bounded(Json.toString(start.messages())));
        }
        current = headersOf(sessionContext.with(attempt));
    }

    /** The upstream's circuit breaker is open and the attempt waits for it. */
    void breakerWait() {
        attempt.addEvent("rewind.breaker_wait");
    }

    void answered(int status) {
        attempt.setAttribute(HTTP_STATUS, (long) status);
    }

    /** The first bytes of the attempt's stream: what a client waits for as its first token. */
    void firstToken() {
        attempt.addEvent("gen_ai.first_token");
    }

    /** The attempt's end is in Kafka: its span ends, and the records from here carry the session's context. */
    void attemptEnded(AttemptResult result) {
        switch (result) {
            case AttemptResult.Completed completed -> attempt.setAttribute(OUTCOME, "completed");
            case AttemptResult.Cancelled cancelled -> {
                attempt.setAttribute(OUTCOME, "cancelled");
                attempt.addEvent("rewind.cancelled");
            }
            case AttemptResult.Failed failed -> {
                attempt.setAttribute(OUTCOME, failed.outcome().wireName());
                attempt.setAttribute(GenAi.ERROR_TYPE, failed.failure().code());
                attempt.setStatus(StatusCode.ERROR, failed.failure().reason());
            }
        }
        attempt.end();
        attempt = Span.getInvalid();
        current = sessionHeaders;
    }

    void retryScheduled(int attempt, long delayMs, String reason) {
        session.addEvent("rewind.retry", Attributes.of(GenAi.ATTEMPT, (long) attempt,
                AttributeKey.longKey("rewind.retry.delay_ms"), delayMs, AttributeKey.stringKey("rewind.retry.reason"), reason));
    }

    /** The session's span ends: {@code outcome} as in its {@code session_ended}, or why the run stopped without one. */
    void ended(String outcome, String errorType) {
        attempt.end(); // an attempt an exception or a hand-over left open
        session.setAttribute(OUTCOME, outcome);
        if (errorType != null) {
            session.setAttribute(GenAi.ERROR_TYPE, errorType);
            session.setStatus(StatusCode.ERROR);
        }
        session.end();
    }

    private static List<Header> headersOf(Context context) {
        List<Header> headers = KafkaTraceHeaders.of(context);
        return headers.isEmpty() ? null : headers;
    }
}
