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
import io.opentelemetry.context.Context;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.errors.InterruptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's upstream calls: each attempt sends the translated request with
 * {@code stream: true} and writes every read of the response body to {@code rewind.chunks} as it
 * arrives, framed by attempt markers. Failed attempts are retried per {@link RetrySettings} behind
 * the upstream's circuit breaker; the session ends with exactly one {@code session_ended}.
 */
public final class SessionRun implements Watchdog.Watched {

    private static final Logger LOG = LoggerFactory.getLogger(SessionRun.class);
    private static final int MAX_ERROR_BODY_BYTES = 64 * 1024;
    private static final long KAFKA_RETRY_PAUSE_MS = 500;
    private static final String CIRCUIT_OPEN = "upstream_circuit_open";
    private static final String KAFKA_UNAVAILABLE = "kafka_unavailable";
    static final String HANDED_OVER_REASON = "handed over to another ingest worker";

    /** Why a running read was stopped from outside the read loop. */
    private enum Abort {
        CANCELLED,
        STALLED,
        DURATION_LIMIT,
        KAFKA_UNAVAILABLE,
        HANDED_OVER
    }

    private final RequestRecord.Start start;
    private final Upstream upstream;
    private final RunServices services;
    private final Cancellation cancellation;
    private final ChunkWriter writer;
    /** The trace the edge started (the request record's headers), or the root context. */
    private final Context parent;
    /** The run's spans; set when the run begins, on its own thread. */
    private SessionTrace trace;
    /** How the run ended, for its span: a session_ended outcome, or why it stopped without one. */
    private String traceOutcome = "stopped";
    private String traceError;
    /** When the current attempt's upstream call was sent (System.nanoTime), or 0: the GenAI client metrics' start. */
    private long callSentNanos;
    private final AtomicReference<Abort> abort = new AtomicReference<>();
    private final long startedNanos = System.nanoTime();
    private volatile InputStream body;
    /** The upstream call while it waits for the answer's headers; a stop aborts it. */
    private volatile CompletableFuture<HttpResponse<InputStream>> pending;
    private volatile Thread runner;
    private volatile boolean handedOver;
    /** Set with {@link #handedOver} when the partition was lost, not revoked: nothing more may be written. */
    private volatile boolean lost;
    private volatile boolean ending;
    private volatile boolean ended;
    /** The attempt whose {@code attempt_started} was sent and whose end was not yet written, or 0. */
    private volatile int openAttempt;
    private volatile long lastProgressNanos = System.nanoTime();

    /**
     * {@code writerGeneration}: the worker's consumer group generation when it took this run, on
     * every record the run writes, so that the processor can tell this run from a lost one of the
     * same attempt number ({@code ChunkSerde.WRITER_GENERATION}). {@code parent}: the trace context
     * of the request record.
     */
    public SessionRun(RequestRecord.Start start, Upstream upstream, int writerGeneration, RunServices services,
            Cancellation cancellation, Context parent) {
        this.start = start;
        this.parent = parent;
        this.upstream = upstream;
        this.services = services;
        this.cancellation = cancellation;
        this.writer = new ChunkWriter(services, start.sessionId(), writerGeneration, KAFKA_RETRY_PAUSE_MS);
        cancellation.onCancel(() -> stopReading(Abort.CANCELLED));
    }

    @Override
    public String sessionId() {
        return start.sessionId();
    }

    /** Whether the session's {@code session_ended} is in Kafka: only then may its request's offset be committed. */
    public boolean ended() {
        return ended;
    }

    /**
     * Called by the worker's watchdog: ends a read that made no progress, a session over its time
     * limit, or a read whose chunks Kafka refused (also when upstream is quiet).
     */
    @Override
    public void checkProgress(long nowNanos) {
        SessionLimits limits = services.limits();
        if (writer.failure() != null) {
            stopReading(Abort.KAFKA_UNAVAILABLE);
        } else if (nowNanos - startedNanos > TimeUnit.MILLISECONDS.toNanos(limits.maxSessionDurationMs())) {
            stopReading(Abort.DURATION_LIMIT);
        } else if (body != null && nowNanos - lastProgressNanos > TimeUnit.MILLISECONDS.toNanos(limits.stallTimeoutMs())) {
            stopReading(Abort.STALLED);
        }
    }

    /** After a freeze the watchdog restarts the stall clock: the upstream was not the one that stopped. */
    @Override
    public void resumedAfterFreeze(long nowNanos) {
        lastProgressNanos = nowNanos;
    }

    /**
     * Another worker takes this session over (its request partition moved in a rebalance): the
     * upstream call stops at once, a wait is cut short, and the open attempt ends with
     * {@code attempt_ended{will_retry: true}} and no {@code session_ended}, so the new owner runs the
     * next attempt and the two never stream at the same time.
     */
    public void handOver() {
        synchronized (this) {
            if (ending) {
                return; // its end is being written: letting it finish is quicker and cleaner than a hand-over
            }
            handedOver = true;
        }
        Thread thread = runner;
        if (thread != null) {
            thread.interrupt();
        }
        stopReading(Abort.HANDED_OVER);
    }

    /**
     * This worker was thought dead (frozen past its session timeout) and the session's partition
     * already belongs to another, which may be running a later attempt: the call stops as in a
     * hand-over, but nothing more is written — not even a session's end that was being written, as
     * the new owner decides that now. The processor ignores what slips out in between (DLQ
     * {@code unknown-attempt}).
     */
    public void abandon() {
        synchronized (this) {
            lost = true;
            handedOver = true;
        }
        Thread thread = runner;
        if (thread != null) {
            thread.interrupt();
        }
        stopReading(Abort.HANDED_OVER);
    }

    /** From here the session writes its end; a hand-over that comes now waits for it instead. */
    private void beginEnd() throws InterruptedException {
        synchronized (this) {
            if (handedOver) {
                throw new InterruptedException("handed over");
            }
            ending = true;
        }
    }

    public boolean handedOver() {
        return handedOver;
    }

    /** Interrupted: handed over (the open attempt's end is written for the new owner) or shutting down. */
    private void stopped() {
        if (!handedOver) {
            Thread.currentThread().interrupt();
            LOG.warn("session {} interrupted; its request is re-read by the next owner", start.sessionId());
            return;
        }
        if (lost) {
            LOG.info("session {} abandoned: its partition was lost to another ingest worker; nothing more is written",
                    start.sessionId());
            return;
        }
        Thread.interrupted(); // this thread still has a marker to write
        int open = openAttempt;
        try {
            if (open > 0) {
                services.history().record(start.sessionId(), open, false);
                writer.deliver(new ChunkRecord.AttemptEnded(start.sessionId(), open, AttemptOutcome.FAILED,
                        HANDED_OVER_REASON, true, services.clock().instant()));
            }
            LOG.info("session {} handed over to another ingest worker after attempt {}", start.sessionId(), open);
        } catch (InterruptedException | RuntimeException e) {
            LOG.warn("session {}: the end of attempt {} could not be written before the hand-over: {}",
                    start.sessionId(), open, e.toString());
        }
    }

    /** Runs attempts until one completes, the session is cancelled, or retrying is over. Never throws. */
    public void run() {
        runner = Thread.currentThread();
        trace = new SessionTrace(services.telemetry(), parent, start, upstream);
        writer.traceWith(trace);
        try {
            runAttempts();
        } finally {
            trace.ended(handedOver && !ended ? "handed_over" : traceOutcome, traceError);
        }
    }

    private void runAttempts() {
        if (handedOver) {
            return; // handed over before it began: nothing was sent, the new owner runs it
        }
        int attempt = services.history().get(start.sessionId()).lastAttempt() + 1;
        long budgetEnd = services.clock().millis() + services.retryPolicy().settings().totalBudgetMs();
        try {
            while (true) {
                trace.attemptStarted(attempt);
                AttemptResult result = keptInKafka(attemptBehindBreaker(attempt, budgetEnd));
                long delay = result instanceof AttemptResult.Failed failed
                        ? services.retryPolicy().delayMs(attempt, failed.retryAfterMs()) : 0;
                boolean again = result instanceof AttemptResult.Failed failed && retries(attempt, failed, delay, budgetEnd);
                if (!again) {
                    beginEnd();
                }
                writer.deliver(attemptEnded(attempt, result, again));
                openAttempt = 0;
                trace.attemptEnded(result);
                measured(result);
                if (!again) {
                    ChunkRecord.SessionEnded end = sessionEnded(attempt, result);
                    traceOutcome = end.outcome().wireName();
                    traceError = end.code();
                    writer.deliver(end);
                    services.history().record(start.sessionId(), attempt, true);
                    ended = true;
                    return;
                }
                scheduleRetry(attempt, (AttemptResult.Failed) result, delay);
                attempt++;
            }
        } catch (InterruptedException | InterruptException e) {
            stopped();
        } catch (RuntimeException e) {
            if (handedOver) {
                stopped(); // what the interrupt broke on its way out (a send, a closed body)
                return;
            }
            if (e instanceof FreezeFence.HeldTooLong held) {
                // ownership unknown: writing anything could cross a new owner; the worker runs the request again
                LOG.warn("session {} stopped without writing: {}", start.sessionId(), held.getMessage());
                return;
            }
            if (e instanceof ChunkWriteRefused refused) {
                LOG.error("session {}: {}; ending it with ingest_error", start.sessionId(), refused.getMessage());
            } else {
                LOG.error("session {} failed in ingest", start.sessionId(), e);
            }
            endAfterIngestError(attempt, e);
        }
    }

    /**
     * A completed attempt counts only when Kafka has every byte of it: its records are acknowledged
     * before its end is written, and if any of them failed it is retried like a broken stream.
     */
    private AttemptResult keptInKafka(AttemptResult result) throws InterruptedException {
        if (result instanceof AttemptResult.Completed) {
            try {
                writer.awaitAcknowledged(services.limits().ackTimeoutMs());
            } catch (TimeoutException e) {
                return kafkaUnavailable(true);
            }
        }
        if (writer.failure() != null && result instanceof AttemptResult.Completed) {
            return kafkaUnavailable(true);
        }
        if (writer.failure() != null) {
            LOG.warn("session {}: Kafka refused a chunk; the upstream call was stopped until Kafka is back",
                    start.sessionId());
        }
        return result;
    }

    /** An attempt that called upstream counts in gen_ai.client.operation.duration, with its failure code as error.type. */
    private void measured(AttemptResult result) {
        if (callSentNanos == 0) {
            return; // the breaker refused it, or it was cancelled before the call: nothing was asked of the upstream
        }
        String errorType = switch (result) {
            case AttemptResult.Completed completed -> null;
            case AttemptResult.Cancelled cancelled -> "cancelled";
            case AttemptResult.Failed failed -> failed.failure().code();
        };
        services.genAi().operation(upstream.format(), upstream.name(), start.model(), errorType,
                Duration.ofNanos(System.nanoTime() - callSentNanos));
        callSentNanos = 0;
    }

    /** Kafka did not take the attempt's records: wait for it, unless it refused them for good (that throws). */
    private AttemptResult.Failed kafkaUnavailable(boolean outputFlowed) {
        writer.throwIfRefused();
        return failed(new UpstreamFailure(KAFKA_UNAVAILABLE,
                "stopped reading upstream: chunks could not be written to Kafka", true), outputFlowed, false);
    }

    private AttemptResult attemptBehindBreaker(int attempt, long budgetEnd) throws InterruptedException {
        CircuitBreaker breaker = services.breakers().forUpstream(upstream.name());
        boolean permitted = permitted(breaker, budgetEnd);
        if (cancellation.isCancelled()) {
            if (permitted) {
                breaker.releasePermission();
            }
            return new AttemptResult.Cancelled();
        }
        if (!permitted) {
            return new AttemptResult.Failed(new UpstreamFailure(CIRCUIT_OPEN, "upstream " + upstream.name()
                    + " is failing; its circuit breaker is open", true),
                    AttemptOutcome.FAILED, null, OptionalLong.empty(), false, false);
        }
        long began = System.nanoTime();
        // A good answer (200 and a stream) counts as a success when it arrives, not when the stream
        // ends: failures are known within milliseconds, so counting streams at their end would fill
        // the window with failures while the successes are still streaming, and open the breaker
        // on a small fault rate. A failure later in the stream then counts as one more error.
        boolean[] answered = {false};
        long freezesBefore = services.fence().epoch();
        AttemptResult result = null;
        try {
            result = attempt(attempt, () -> {
                answered[0] = true;
                breaker.onSuccess(System.nanoTime() - began, TimeUnit.NANOSECONDS);
            });
        } finally {
            if (result == null && !answered[0]) {
                // interrupted (hand-over, shutdown) or failed before an answer: the permission must not
                // leak, or a half-open breaker would run out of trial calls for good
                breaker.releasePermission();
            }
        }
        long took = System.nanoTime() - began;
        if (services.fence().epoch() != freezesBefore) {
            // this process was frozen during the call: a timeout or stall then says nothing about the upstream
            if (!answered[0]) {
                breaker.releasePermission();
            }
            return result;
        }
        switch (result) {
            case AttemptResult.Failed failed when failed.upstreamFault() ->
                    breaker.onError(took, TimeUnit.NANOSECONDS, new IOException(failed.failure().reason()));
            case AttemptResult.Cancelled cancelled when !answered[0] -> breaker.releasePermission();
            default -> {
                if (!answered[0]) {
                    breaker.onSuccess(took, TimeUnit.NANOSECONDS);
                }
            }
        }
        return result;
    }

    /**
     * Whether the breaker lets this attempt call upstream. With {@code when_open: wait} an open breaker
     * is waited out with jittered backoff — spending none of the session's attempts, since nothing
     * was sent — until it lets a call through, {@code max_wait_ms} or the retry budget runs out, or
     * the session is cancelled.
     */
    private boolean permitted(CircuitBreaker breaker, long budgetEnd) throws InterruptedException {
        BreakerSettings settings = services.breakers().settings();
        long waitEnd = Math.min(budgetEnd, services.clock().millis() + settings.maxWaitMs());
        // each sleep is short against the open time, so a waiter notices the half-open state soon
        long longestSleep = Math.max(100, settings.openMs() / 10);
        int waits = 0;
        while (!cancellation.isCancelled()) {
            if (breaker.tryAcquirePermission()) {
                return true;
            }
            long left = waitEnd - services.clock().millis();
            if (settings.whenOpen() == BreakerSettings.WhenOpen.FAIL || left <= 0) {
                return false;
            }
            if (waits++ == 0) {
                trace.breakerWait();
                LOG.info("session {}: the circuit breaker of upstream {} is open; waiting for it",
                        start.sessionId(), upstream.name());
            }
            long backoff = services.retryPolicy().delayMs(waits, OptionalLong.empty());
            cancellation.await(Math.min(left, Math.min(backoff, longestSleep)));
        }
        return false;
    }

    /**
     * Whether another attempt follows. A Kafka outage is retried also after output flowed, whatever
     * {@code after_output} says: the upstream did nothing wrong, and the attempt's bytes are incomplete.
     */
    private boolean retries(int attempt, AttemptResult.Failed failed, long delay, long budgetEnd) {
        RetrySettings settings = services.retryPolicy().settings();
        // a refusal by the breaker already waited as long as it may (wait) or must end now (fail)
        boolean breakerRefused = failed.failure().code().equals(CIRCUIT_OPEN);
        boolean kafkaLost = failed.failure().code().equals(KAFKA_UNAVAILABLE);
        return failed.failure().retryable() && !breakerRefused
                && attempt < settings.maxAttempts()
                && !(failed.outputFlowed() && settings.afterOutput() == RetrySettings.AfterOutput.FAIL && !kafkaLost)
                && services.clock().millis() + delay < budgetEnd;
    }

    /** Writes the retry and waits for it; a cancel cuts the wait short (the next attempt then ends as cancelled). */
    private void scheduleRetry(int attempt, AttemptResult.Failed failed, long delay) throws InterruptedException {
        services.history().record(start.sessionId(), attempt, false);
        writer.deliver(new ChunkRecord.RetryScheduled(start.sessionId(), attempt, delay, failed.failure().reason(),
                failed.status(), services.clock().instant()));
        LOG.info("session {}: attempt {} failed ({}); retrying in {} ms", start.sessionId(), attempt,
                failed.failure().reason(), delay);
        trace.retryScheduled(attempt, delay, failed.failure().reason());
        cancellation.await(delay);
    }

    private ChunkRecord.AttemptEnded attemptEnded(int attempt, AttemptResult result, boolean willRetry) {
        var now = services.clock().instant();
        return switch (result) {
            case AttemptResult.Completed completed -> new ChunkRecord.AttemptEnded(start.sessionId(), attempt,
                    AttemptOutcome.COMPLETED, "upstream stream ended", false, now);
            case AttemptResult.Cancelled cancelled -> new ChunkRecord.AttemptEnded(start.sessionId(), attempt,
                    AttemptOutcome.CANCELLED, "cancelled", false, now);
            case AttemptResult.Failed failed -> new ChunkRecord.AttemptEnded(start.sessionId(), attempt, failed.outcome(),
                    failed.failure().reason(), willRetry, now);
        };
    }

    private ChunkRecord.SessionEnded sessionEnded(int attempt, AttemptResult result) {
        var now = services.clock().instant();
        return switch (result) {
            case AttemptResult.Completed completed -> new ChunkRecord.SessionEnded(start.sessionId(), attempt,
                    SessionOutcome.COMPLETED, "upstream stream ended", null, null, null, now);
            case AttemptResult.Cancelled cancelled -> new ChunkRecord.SessionEnded(start.sessionId(), attempt,
                    SessionOutcome.CANCELLED, cancellation.reason() == null ? "cancelled" : cancellation.reason(), null,
                    null, cancellation.by(), now);
            case AttemptResult.Failed failed -> new ChunkRecord.SessionEnded(start.sessionId(), attempt,
                    SessionOutcome.FAILED, failed.failure().reason(), failed.failure().code(), failed.failure().retryable(),
                    null, now);
        };
    }

    /** A bug in ingest still gives the session its one ending, when Kafka takes it. */
    private void endAfterIngestError(int attempt, RuntimeException e) {
        // a refusal names its cause (asking again meets the same one); any other bug only its class
        UpstreamFailure failure = e instanceof ChunkWriteRefused
                ? new UpstreamFailure("ingest_error", "ingest failed: " + e.getMessage(), false)
                : new UpstreamFailure("ingest_error", "ingest failed: " + e.getClass().getSimpleName(), true);
        AttemptResult failed = new AttemptResult.Failed(failure, AttemptOutcome.FAILED, null,
                OptionalLong.empty(), false, false);
        try {
            writer.deliver(attemptEnded(attempt, failed, false));
            writer.deliver(sessionEnded(attempt, failed));
            traceOutcome = "failed";
            traceError = failure.code();
            services.history().record(start.sessionId(), attempt, true);
            ended = true;
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException again) {
            LOG.error("session {}: its end could not be written: {}", start.sessionId(), again.toString());
        }
    }

    /** One upstream call; {@code answered} runs once the upstream answered 200 with a stream. */
    private AttemptResult attempt(int attempt, Runnable answered) throws InterruptedException {
        abort.set(null);
        UpstreamRequest request = ProviderRequests.build(upstream, start);
        HttpRequest.Builder builder = HttpRequest.newBuilder(request.uri())
                .timeout(Duration.ofMillis(services.limits().responseTimeoutMs()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(request.body()));
        request.headers().forEach(builder::header);
        HttpResponse<InputStream> response;
        callSentNanos = System.nanoTime();
        try {
            response = awaitAnswer(builder.build());
        } catch (IOException e) {
            return new AttemptResult.Failed(new UpstreamFailure("upstream_unreachable",
                    "cannot reach upstream " + upstream.name() + ": " + e.getClass().getSimpleName(), true),
                    AttemptOutcome.FAILED, null, OptionalLong.empty(), false, true);
        } catch (CancellationException e) {
            return aborted(abort.get(), null, false);
        }
        body = response.body();
        lastProgressNanos = System.nanoTime();
        if (cancellation.isCancelled()) {
            stopReading(Abort.CANCELLED);
        }
        int status = response.statusCode();
        trace.answered(status);
        String contentType = response.headers().firstValue("content-type").orElse("");
        openAttempt = attempt;
        // remembered before it is sent: a run of this session again here (its end refused) takes the next number
        services.history().record(start.sessionId(), attempt, false);
        writer.send(new ChunkRecord.AttemptStarted(start.sessionId(), attempt, status, contentType, upstream.name(),
                start.model(), upstream.format(), services.clock().instant()));
        if (status != 200 || !contentType.toLowerCase(Locale.ROOT).startsWith(expectedContentType())) {
            recordErrorBody(attempt);
            OptionalLong retryAfter = UpstreamRetryPolicy.retryAfterMs(response.headers(), services.clock().instant());
            UpstreamFailure failure = status != 200 ? UpstreamFailure.ofStatus(status) : new UpstreamFailure(
                    "upstream_bad_response", "upstream answered with content type '" + contentType + "', not a stream", false);
            return new AttemptResult.Failed(failure, AttemptOutcome.FAILED, status, retryAfter, false, failure.retryable());
        }
        answered.run();
        return stream(attempt);
    }

    /**
     * Sends the request and waits for the answer's headers. The call is asynchronous so that a stop
     * (cancel, hand-over, duration limit) can abort it before the upstream answered: cancelling the
     * future aborts the exchange and closes its connection.
     */
    private HttpResponse<InputStream> awaitAnswer(HttpRequest request) throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<InputStream>> call = services.http().sendAsync(request,
                HttpResponse.BodyHandlers.ofInputStream());
        pending = call;
        if (cancellation.isCancelled()) {
            stopReading(Abort.CANCELLED); // a cancel that came while the call was being set up
        } else if (abort.get() != null) {
            call.cancel(true);
        }
        try {
            return call.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof CancellationException cancelled) {
                throw cancelled;
            }
            throw new IllegalStateException("the upstream call failed", e.getCause());
        } catch (InterruptedException e) {
            call.cancel(true);
            throw e;
        } finally {
            pending = null;
        }
    }

    private String expectedContentType() {
        return switch (upstream.format()) {
            case OLLAMA -> "application/x-ndjson";
            default -> "text/event-stream";
        };
    }

    private AttemptResult stream(int attempt) throws InterruptedException {
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
                if (seq == 0) {
                    trace.firstToken();
                    services.genAi().firstChunk(upstream.format(), upstream.name(), start.model(),
                            Duration.ofNanos(lastProgressNanos - callSentNanos));
                }
                total += n;
                outcome.feed(buffer, n);
                writer.send(new ChunkRecord.Chunk(start.sessionId(), attempt, ++seq, upstream.format(),
                        Arrays.copyOf(buffer, n), services.clock().instant()));
                if (writer.failure() != null) {
                    return kafkaUnavailable(true);
                }
                if (total > limits.maxResponseBytes()) {
                    return failed(new UpstreamFailure("limit", "response exceeded " + limits.maxResponseBytes() + " bytes",
                            false), true, false);
                }
            }
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("stopped while reading upstream"); // the worker shuts down
            }
            Abort why = abort.get();
            if (why == null) {
                return failed(new UpstreamFailure("upstream_disconnected",
                        "upstream connection broke mid-stream: " + e.getClass().getSimpleName(), true), seq > 0, true);
            }
            return aborted(why, 200, seq > 0);
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

    /** The attempt's result after {@link #stopReading} stopped it, before the answer ({@code status} null) or in its body. */
    private AttemptResult aborted(Abort why, Integer status, boolean outputFlowed) throws InterruptedException {
        SessionLimits limits = services.limits();
        return switch (why) {
            case CANCELLED -> new AttemptResult.Cancelled();
            case STALLED -> new AttemptResult.Failed(new UpstreamFailure("upstream_stalled",
                    "no bytes from upstream for " + limits.stallTimeoutMs() + " ms", true), AttemptOutcome.STALLED,
                    status, OptionalLong.empty(), outputFlowed, true);
            case DURATION_LIMIT -> new AttemptResult.Failed(new UpstreamFailure("limit",
                    "session exceeded " + limits.maxSessionDurationMs() + " ms", false), AttemptOutcome.FAILED, status,
                    OptionalLong.empty(), outputFlowed, false);
            case KAFKA_UNAVAILABLE -> kafkaUnavailable(outputFlowed);
            case HANDED_OVER -> throw new InterruptedException("handed over");
            case null -> throw new IllegalStateException("the upstream call was aborted without a reason");
        };
    }

    private static AttemptResult.Failed failed(UpstreamFailure failure, boolean outputFlowed, boolean upstreamFault) {
        return new AttemptResult.Failed(failure, AttemptOutcome.FAILED, 200, OptionalLong.empty(), outputFlowed, upstreamFault);
    }

    /** Keeps an error body that came instead of a stream in the audit, bounded. */
    private void recordErrorBody(int attempt) throws InterruptedException {
        try (InputStream in = body) {
            byte[] read = in.readNBytes(MAX_ERROR_BODY_BYTES);
            byte[] bytes = upstream.apiKey().map(key -> key.redactedFrom(read)).orElse(read);
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
        CompletableFuture<HttpResponse<InputStream>> call = pending;
        if (call != null) {
            call.cancel(true); // no answer yet: abort the exchange instead of waiting for its headers
        }
        InputStream in = body;
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // the reader sees the close as an IOException, which is the point
            }
        }
    }
}
