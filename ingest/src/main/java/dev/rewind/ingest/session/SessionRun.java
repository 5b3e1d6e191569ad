package dev.rewind.ingest.session;

import dev.rewind.ingest.upstream.ProviderRequests;
import dev.rewind.ingest.upstream.Upstream;
import dev.rewind.ingest.upstream.UpstreamRequest;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ChunkRecord.AttemptOutcome;
import dev.rewind.protocol.ChunkRecord.SessionOutcome;
import dev.rewind.protocol.RequestRecord;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's upstream call: sends the translated request with {@code stream: true} and writes
 * every read of the response body to {@code rewind.chunks} as it arrives, framed by attempt markers
 * and ended by exactly one {@code session_ended}.
 */
public final class SessionRun {

    private static final Logger LOG = LoggerFactory.getLogger(SessionRun.class);
    private static final int MAX_ERROR_BODY_BYTES = 64 * 1024;
    private static final long ACK_TIMEOUT_MS = 60_000;

    /** Why a running call was stopped from outside the read loop. */
    enum Abort {
        DURATION_LIMIT
    }

    private final RequestRecord.Start start;
    private final Upstream upstream;
    private final HttpClient http;
    private final ChunkWriter writer;
    private final SessionLimits limits;
    private final Clock clock;
    private final AtomicReference<Abort> abort = new AtomicReference<>();
    private volatile InputStream body;

    public SessionRun(
            RequestRecord.Start start,
            Upstream upstream,
            HttpClient http,
            org.apache.kafka.clients.producer.Producer<String, ChunkRecord> producer,
            SessionLimits limits,
            Clock clock) {
        this.start = start;
        this.upstream = upstream;
        this.http = http;
        this.writer = new ChunkWriter(producer, start.sessionId());
        this.limits = limits;
        this.clock = clock;
    }

    public String sessionId() {
        return start.sessionId();
    }

    /** Stops the call at its next read because the session ran out of time. */
    public void abortForDurationLimit() {
        abort.compareAndSet(null, Abort.DURATION_LIMIT);
        closeQuietly(body);
    }

    /** Runs the single attempt of this version of ingest, and ends the session. Never throws. */
    public void run() {
        int attempt = 1;
        Ending ending;
        try {
            ending = attempt(attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ending = Ending.failed(new UpstreamFailure("interrupted", "ingest worker shut down", true));
        } catch (RuntimeException e) {
            LOG.error("session {} failed in ingest", start.sessionId(), e);
            ending = Ending.failed(new UpstreamFailure("ingest_error", "ingest failed: " + e.getClass().getSimpleName(), true));
        }
        writer.send(new ChunkRecord.AttemptEnded(start.sessionId(), attempt, ending.attemptOutcome(),
                ending.reason(), false, clock.instant()));
        UpstreamFailure failure = ending.failure();
        writer.send(new ChunkRecord.SessionEnded(start.sessionId(), attempt, ending.sessionOutcome(), ending.reason(),
                failure == null ? null : failure.code(), failure == null ? null : failure.retryable(), null,
                clock.instant()));
        awaitAcknowledged();
    }

    private Ending attempt(int attempt) throws InterruptedException {
        UpstreamRequest request = ProviderRequests.build(upstream, start);
        HttpRequest.Builder builder = HttpRequest.newBuilder(request.uri())
                .timeout(Duration.ofMillis(limits.responseTimeoutMs()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(request.body()));
        request.headers().forEach(builder::header);
        HttpResponse<InputStream> response;
        try {
            response = http.send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            return Ending.failed(new UpstreamFailure("upstream_unreachable",
                    "cannot reach upstream " + upstream.name() + ": " + e.getClass().getSimpleName(), true));
        }
        body = response.body();
        String contentType = response.headers().firstValue("content-type").orElse("");
        writer.send(new ChunkRecord.AttemptStarted(start.sessionId(), attempt, response.statusCode(), contentType,
                upstream.name(), start.model(), upstream.format(), clock.instant()));
        if (response.statusCode() != 200) {
            recordErrorBody(attempt);
            return Ending.failed(UpstreamFailure.ofStatus(response.statusCode()));
        }
        if (!contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
            recordErrorBody(attempt);
            return Ending.failed(new UpstreamFailure("upstream_bad_response",
                    "upstream answered with content type '" + contentType + "', not a stream", false));
        }
        return stream(attempt);
    }

    private Ending stream(int attempt) {
        byte[] buffer = new byte[limits.readBufferBytes()];
        long seq = 0;
        long total = 0;
        try (InputStream in = body) {
            while (true) {
                int n = in.read(buffer);
                if (n < 0) {
                    return Ending.completed();
                }
                total += n;
                writer.send(new ChunkRecord.Chunk(start.sessionId(), attempt, ++seq, upstream.format(),
                        Arrays.copyOf(buffer, n), clock.instant()));
                if (writer.failure() != null) {
                    return Ending.failed(new UpstreamFailure("kafka_unavailable",
                            "stopped reading upstream: chunks could not be written to Kafka", true));
                }
                if (total > limits.maxResponseBytes()) {
                    return Ending.failed(new UpstreamFailure("limit",
                            "response exceeded " + limits.maxResponseBytes() + " bytes", false));
                }
            }
        } catch (IOException e) {
            if (abort.get() == Abort.DURATION_LIMIT) {
                return Ending.failed(new UpstreamFailure("limit",
                        "session exceeded " + limits.maxSessionDurationMs() + " ms", false));
            }
            return Ending.failed(new UpstreamFailure("upstream_disconnected",
                    "upstream connection broke mid-stream: " + e.getClass().getSimpleName(), true));
        }
    }

    /** Keeps an error body that came instead of a stream in the audit, bounded. */
    private void recordErrorBody(int attempt) {
        try (InputStream in = body) {
            byte[] bytes = in.readNBytes(MAX_ERROR_BODY_BYTES);
            if (bytes.length > 0) {
                writer.send(new ChunkRecord.Chunk(start.sessionId(), attempt, 1, upstream.format(), bytes, clock.instant()));
            }
        } catch (IOException e) {
            LOG.debug("session {}: error body unreadable", start.sessionId());
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

    private static void closeQuietly(InputStream in) {
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // the reader sees the close as an IOException, which is the point
            }
        }
    }

    /** How the attempt ended, and so the session (this version makes one attempt). */
    private record Ending(AttemptOutcome attemptOutcome, SessionOutcome sessionOutcome, String reason, UpstreamFailure failure) {
        static Ending completed() {
            return new Ending(AttemptOutcome.COMPLETED, SessionOutcome.COMPLETED, "upstream stream ended", null);
        }

        static Ending failed(UpstreamFailure failure) {
            return new Ending(AttemptOutcome.FAILED, SessionOutcome.FAILED, failure.reason(), failure);
        }
    }
}
