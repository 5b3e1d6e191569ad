package dev.rewind.ingest.session;

import dev.rewind.ingest.cancel.Cancellation;
import dev.rewind.ingest.retry.BreakerSettings;
import dev.rewind.ingest.retry.RetrySettings;
import dev.rewind.ingest.retry.UpstreamRetryPolicy;
import dev.rewind.ingest.upstream.ProviderRequests;
import dev.rewind.ingest.upstream.Upstream;
import dev.rewind.ingest.upstream.UpstreamRequest;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ChunkRecord.AttemptOutcome;
import dev.rewind.protocol.ChunkRecord.SessionOutcome;
import dev.rewind.protocol.RequestRecord;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's upstream calls: each attempt sends the translated request with
 * {@code stream: true} and writes every read of the response body to {@code rewind.chunks} as it
 * arrives, framed by attempt markers. Failed attempts are retried per {@link RetrySettings} behind
 * the upstream's circuit breaker; the session ends with exactly one {@code session_ended}.
 */
public final class SessionRun {

    private static final Logger LOG = LoggerFactory.getLogger(SessionRun.class);
    private static final int MAX_ERROR_BODY_BYTES = 64 * 1024;
    private static final long ACK_TIMEOUT_MS = 60_000;
    private static final long KAFKA_PROBE_MS = 5_000;
    private static final String CIRCUIT_OPEN = "upstream_circuit_open";

    /** Why a running read was stopped from outside the read loop. */
    private enum Abort {
        CANCELLED,
        STALLED,
        DURATION_LIMIT
    }

    private final RequestRecord.Start start;
    private final Upstream upstream;
    private final RunServices services;
    private final Cancellation cancellation;
    private final ChunkWriter writer;
    private final AtomicReference<Abort> abort = new AtomicReference<>();
    private final long startedNanos = System.nanoTime();
    private volatile InputStream body;
    private volatile long lastProgressNanos = System.nanoTime();

    public SessionRun(RequestRecord.Start start, Upstream upstream, RunServices services, Cancellation cancellation) {
        this.start = start;
        this.upstream = upstream;
        this.services = services;
        this.cancellation = cancellation;
        this.writer = new ChunkWriter(services.producer(), start.sessionId());
        cancellation.onCancel(() -> stopReading(Abort.CANCELLED));
    }

    public String sessionId() {
        return start.sessionId();
    }

    /** Called by the worker's watchdog: ends a read that made no progress, or a session over its time limit. */
    public void checkProgress(long nowNanos) {
        SessionLimits limits = services.limits();
        if (nowNanos - startedNanos > TimeUnit.MILLISECONDS.toNanos(limits.maxSessionDurationMs())) {
            stopReading(Abort.DURATION_LIMIT);
        } else if (body != null && nowNanos - lastProgressNanos > TimeUnit.MILLISECONDS.toNanos(limits.stallTimeoutMs())) {
            stopReading(Abort.STALLED);
        }
    }

    /** Runs attempts until one completes, the session is cancelled, or retrying is over. Never throws. */
    public void run() {
        int attempt = services.history().get(start.sessionId()).lastAttempt() + 1;
        long budgetEnd = services.clock().millis() + services.retryPolicy().settings().totalBudgetMs();
        try {
            while (true) {
                AttemptResult result = attemptBehindBreaker(attempt);
                if (!(result instanceof AttemptResult.Failed failed) || !retry(attempt, failed, budgetEnd)) {
                    end(attempt, result);
                    return;
                }
                attempt++;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("session {} interrupted; its request is re-read by the next owner", start.sessionId());
        } catch (RuntimeException e) {
            LOG.error("session {} failed in ingest", start.sessionId(), e);
            end(attempt, new AttemptResult.Failed(new UpstreamFailure("ingest_error",
                    "ingest failed: " + e.getClass().getSimpleName(), true), AttemptOutcome.FAILED, null,
                    OptionalLong.empty(), false, false));
        }
    }

    private AttemptResult attemptBehindBreaker(int attempt) throws InterruptedException {
        if (cancellation.isCancelled()) {
            return new AttemptResult.Cancelled();
        }
        CircuitBreaker breaker = services.breakers().forUpstream(upstream.name());
        if (!breaker.tryAcquirePermission()) {
            return new AttemptResult.Failed(new UpstreamFailure(CIRCUIT_OPEN, "upstream " + upstream.name()
                    + " is failing; its circuit breaker is open", true),
                    AttemptOutcome.FAILED, null, OptionalLong.empty(), false, false);
        }
        long began = System.nanoTime();
        AttemptResult result = attempt(attempt);
        long took = System.nanoTime() - began;
        switch (result) {
            case AttemptResult.Failed failed when failed.upstreamFault() ->
                    breaker.onError(took, TimeUnit.NANOSECONDS, new IOException(failed.failure().reason()));
            case AttemptResult.Cancelled cancelled -> breaker.releasePermission();
            default -> breaker.onSuccess(took, TimeUnit.NANOSECONDS);
        }
        return result;
    }

    /** Writes the failed attempt's end, and when another attempt follows, waits for it. */
    private boolean retry(int attempt, AttemptResult.Failed failed, long budgetEnd) throws InterruptedException {
        RetrySettings settings = services.retryPolicy().settings();
        if (writer.failure() != null && !awaitKafka(budgetEnd)) {
            return false;
        }
        long delay = services.retryPolicy().delayMs(attempt, failed.retryAfterMs());
        boolean failFastWhenOpen = failed.failure().code().equals(CIRCUIT_OPEN)
                && services.breakers().settings().whenOpen() == BreakerSettings.WhenOpen.FAIL;
        boolean again = failed.failure().retryable() && !failFastWhenOpen
                && attempt < settings.maxAttempts()
                && !(failed.outputFlowed() && settings.afterOutput() == RetrySettings.AfterOutput.FAIL)
                && services.clock().millis() + delay < budgetEnd;
        if (!again) {
            return false;
        }
        services.history().record(start.sessionId(), attempt, false);
        writer.send(new ChunkRecord.AttemptEnded(start.sessionId(), attempt, failed.outcome(), failed.failure().reason(),
                true, services.clock().instant()));
        writer.send(new ChunkRecord.RetryScheduled(start.sessionId(), attempt, delay, failed.failure().reason(),
                failed.status(), services.clock().instant()));
        LOG.info("session {}: attempt {} failed ({}); retrying in {} ms", start.sessionId(), attempt,
                failed.failure().reason(), delay);
        cancellation.await(delay); // a cancel cuts the wait short; the next attempt then ends as cancelled
        return true;
    }

    /** Kafka refused a send: stop, wait until it takes records again (bounded by the budget), then go on. */
    private boolean awaitKafka(long budgetEnd) throws InterruptedException {
        LOG.warn("session {}: Kafka refused a chunk; the upstream call was stopped until Kafka is back", start.sessionId());
        while (services.clock().millis() < budgetEnd) {
            if (writer.sendAndWait(new ChunkRecord.AttemptEnded(start.sessionId(), 0, AttemptOutcome.FAILED,
                    "Kafka was unavailable; bytes after this point were not read", true, services.clock().instant()),
                    KAFKA_PROBE_MS)) {
                return true;
            }
            if (cancellation.await(KAFKA_PROBE_MS)) {
                return true;
            }
        }
        return false;
    }

    private void end(int attempt, AttemptResult result) {
        var clock = services.clock();
        switch (result) {
            case AttemptResult.Completed completed -> {
                writer.send(new ChunkRecord.AttemptEnded(start.sessionId(), attempt, AttemptOutcome.COMPLETED,
                        "upstream stream ended", false, clock.instant()));
                writer.send(new ChunkRecord.SessionEnded(start.sessionId(), attempt, SessionOutcome.COMPLETED,
                        "upstream stream ended", null, null, null, clock.instant()));
            }
            case AttemptResult.Cancelled cancelled -> {
                writer.send(new ChunkRecord.AttemptEnded(start.sessionId(), attempt, AttemptOutcome.CANCELLED,
                        "cancelled", false, clock.instant()));
                writer.send(new ChunkRecord.SessionEnded(start.sessionId(), attempt, SessionOutcome.CANCELLED,
                        cancellation.reason() == null ? "cancelled" : cancellation.reason(), null, null,
                        cancellation.by(), clock.instant()));
            }
            case AttemptResult.Failed failed -> {
                UpstreamFailure failure = failed.failure();
                writer.send(new ChunkRecord.AttemptEnded(start.sessionId(), attempt, failed.outcome(), failure.reason(),
                        false, clock.instant()));
                writer.send(new ChunkRecord.SessionEnded(start.sessionId(), attempt, SessionOutcome.FAILED,
                        failure.reason(), failure.code(), failure.retryable(), null, clock.instant()));
            }
        }
        services.history().record(start.sessionId(), attempt, true);
        awaitAcknowledged();
    }

    private AttemptResult attempt(int attempt) throws InterruptedException {
        abort.set(null);
        UpstreamRequest request = ProviderRequests.build(upstream, start);
        HttpRequest.Builder builder = HttpRequest.newBuilder(request.uri())
                .timeout(Duration.ofMillis(services.limits().responseTimeoutMs()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(request.body()));
        request.headers().forEach(builder::header);
        HttpResponse<InputStream> response;
        try {
            response = services.http().send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            return new AttemptResult.Failed(new UpstreamFailure("upstream_unreachable",
                    "cannot reach upstream " + upstream.name() + ": " + e.getClass().getSimpleName(), true),
                    AttemptOutcome.FAILED, null, OptionalLong.empty(), false, true);
        }
        body = response.body();
        lastProgressNanos = System.nanoTime();
        if (cancellation.isCancelled()) {
            stopReading(Abort.CANCELLED);
        }
        int status = response.statusCode();
        String contentType = response.headers().firstValue("content-type").orElse("");
        writer.send(new ChunkRecord.AttemptStarted(start.sessionId(), attempt, status, contentType, upstream.name(),
                start.model(), upstream.format(), services.clock().instant()));
        if (status != 200 || !contentType.toLowerCase(Locale.ROOT).startsWith(expectedContentType())) {
            recordErrorBody(attempt);
            OptionalLong retryAfter = UpstreamRetryPolicy.retryAfterMs(response.headers(), services.clock().instant());
            UpstreamFailure failure = status != 200 ? UpstreamFailure.ofStatus(status) : new UpstreamFailure(
                    "upstream_bad_response", "upstream answered with content type '" + contentType + "', not a stream", false);
            return new AttemptResult.Failed(failure, AttemptOutcome.FAILED, status, retryAfter, false, failure.retryable());
        }
        return stream(attempt);
    }

    private String expectedContentType() {
        return switch (upstream.format()) {
            case OLLAMA -> "application/x-ndjson";
            default -> "text/event-stream";
        };
    }

    private AttemptResult stream(int attempt) {
        SessionLimits limits = services.limits();
        byte[] buffer = new byte[limits.readBufferBytes()];
        StreamOutcome outcome = new StreamOutcome(upstream.format());
        long seq = 0;
        long total = 0;
        try (InputStream in = body) {
            while (true) {
                int n = in.read(buffer);
                if (n < 0) {
                    break;
                }
                lastProgressNanos = System.nanoTime();
                total += n;
                outcome.feed(buffer, n);
                writer.send(new ChunkRecord.Chunk(start.sessionId(), attempt, ++seq, upstream.format(),
                        Arrays.copyOf(buffer, n), services.clock().instant()));
                if (writer.failure() != null) {
                    return failed(new UpstreamFailure("kafka_unavailable",
                            "stopped reading upstream: chunks could not be written to Kafka", true), true, false);
                }
                if (total > limits.maxResponseBytes()) {
                    return failed(new UpstreamFailure("limit", "response exceeded " + limits.maxResponseBytes() + " bytes",
                            false), true, false);
                }
            }
        } catch (IOException e) {
            return switch (abort.get()) {
                case CANCELLED -> new AttemptResult.Cancelled();
                case STALLED -> new AttemptResult.Failed(new UpstreamFailure("upstream_stalled",
                        "no bytes from upstream for " + limits.stallTimeoutMs() + " ms", true), AttemptOutcome.STALLED,
                        200, OptionalLong.empty(), seq > 0, true);
                case DURATION_LIMIT -> failed(new UpstreamFailure("limit",
                        "session exceeded " + limits.maxSessionDurationMs() + " ms", false), seq > 0, false);
                case null -> failed(new UpstreamFailure("upstream_disconnected",
                        "upstream connection broke mid-stream: " + e.getClass().getSimpleName(), true), seq > 0, true);
            };
        } finally {
            body = null;
        }
        outcome.end();
        if (outcome.upstreamError()) {
            return failed(new UpstreamFailure("upstream_error", "upstream reported an error inside its stream", true),
                    seq > 0, true);
        }
        if (!outcome.terminated()) {
            return failed(new UpstreamFailure("truncated", "upstream stream ended without its terminal marker", true),
                    seq > 0, true);
        }
        return new AttemptResult.Completed();
    }

    private static AttemptResult.Failed failed(UpstreamFailure failure, boolean outputFlowed, boolean upstreamFault) {
        return new AttemptResult.Failed(failure, AttemptOutcome.FAILED, 200, OptionalLong.empty(), outputFlowed, upstreamFault);
    }

    /** Keeps an error body that came instead of a stream in the audit, bounded. */
    private void recordErrorBody(int attempt) {
        try (InputStream in = body) {
            byte[] bytes = in.readNBytes(MAX_ERROR_BODY_BYTES);
            if (bytes.length > 0) {
                writer.send(new ChunkRecord.Chunk(start.sessionId(), attempt, 1, upstream.format(), bytes,
                        services.clock().instant()));
            }
        } catch (IOException e) {
            LOG.debug("session {}: error body unreadable", start.sessionId());
        } finally {
            body = null;
        }
    }

    private void stopReading(Abort why) {
        abort.compareAndSet(null, why);
        InputStream in = body;
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // the reader sees the close as an IOException, which is the point
            }
        }
    }

    private void awaitAcknowledged() {
        try {
            writer.awaitAcknowledged(ACK_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TimeoutException e) {
            LOG.error("session {}: end markers not acknowledged within {} ms", start.sessionId(), ACK_TIMEOUT_MS);
        }
        if (writer.failure() != null) {
            LOG.error("session {}: writing to rewind.chunks failed: {}", start.sessionId(), writer.failure().toString());
        }
    }
}
