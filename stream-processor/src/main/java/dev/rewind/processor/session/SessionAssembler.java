package dev.rewind.processor.session;

import dev.rewind.processor.provider.Extracted;
import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.ChunkSerde;
import dev.rewind.protocol.DeadLetter;
import dev.rewind.protocol.RecordDecoder;
import dev.rewind.protocol.RequestRecord;
import dev.rewind.protocol.SessionSummary;
import dev.rewind.protocol.TokenEvent;
import dev.rewind.protocol.Topics;
import dev.rewind.protocol.telemetry.Telemetry;
import dev.rewind.protocol.usage.PriceTable;
import dev.rewind.protocol.usage.TokenUsage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one session's requests and chunk records, in partition order, into its token events,
 * summaries and dead letters. Everything it decides follows from the records alone (no clock, no
 * punctuator), so replaying the same input gives the same output.
 */
public final class SessionAssembler implements Processor<String, byte[], String, Object> {

    public static final String STORE = "session-state";
    public static final String ENDED_STORE = "ended-sessions";
    public static final String ARGUMENTS_STORE = "tool-arguments";
    public static final String TOKENS_SINK = "tokens-sink";
    public static final String SESSIONS_SINK = "sessions-sink";
    public static final String DLQ_SINK = "dlq-sink";

    private static final Logger LOG = LoggerFactory.getLogger(SessionAssembler.class);

    private final int maxLineBytes;
    private final PriceTable prices;
    private final ProcessorMetrics metrics;
    private final Output output = new Output();
    private final AssemblyTraces traces;
    /** The trace of the session the record being processed belongs to; null until its state is known. */
    private AssemblyTraces.Trace current;
    private ProcessorContext<String, Object> context;
    private SessionStates states;
    private WindowStore<String, Long> endedSessions;

    public SessionAssembler(int maxLineBytes, PriceTable prices, ProcessorMetrics metrics, Telemetry telemetry) {
        this.maxLineBytes = maxLineBytes;
        this.prices = prices;
        this.metrics = metrics;
        this.traces = new AssemblyTraces(telemetry, MAX_TRACED_SESSIONS);
    }

    /** An assembler that knows no prices (every cost is unknown) and traces nothing. */
    public SessionAssembler(int maxLineBytes, ProcessorMetrics metrics) {
        this(maxLineBytes, PriceTable.NONE, metrics, Telemetry.off());
    }

    /** Live sessions whose assembly span a task holds; more end the oldest's span early. */
    private static final int MAX_TRACED_SESSIONS = 100_000;

    /**
     * The persistent store of live sessions' state, keyed by session id, backed by a changelog topic.
     * Cached: a session's many updates between two commits reach RocksDB and the changelog once, at
     * the commit (the state is written after every record, so without the cache each token would be
     * a changelog record as well). Values are the state's JSON, written by {@link SessionStates}.
     */
    public static StoreBuilder<KeyValueStore<String, byte[]>> storeBuilder() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE),
                org.apache.kafka.common.serialization.Serdes.String(), org.apache.kafka.common.serialization.Serdes.ByteArray())
                .withCachingEnabled();
    }

    /**
     * Live sessions' tool-call arguments in segments of 4,096 characters, keyed by session, attempt,
     * call and segment number (SessionStates): each is written once, when it fills, and all of a
     * session's are deleted when it ends. Cached like the session state.
     */
    public static StoreBuilder<KeyValueStore<String, String>> argumentsStoreBuilder() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ARGUMENTS_STORE),
                org.apache.kafka.common.serialization.Serdes.String(), org.apache.kafka.common.serialization.Serdes.String())
                .withCachingEnabled();
    }

    /**
     * Ended sessions (id → terminal seq) at their end record's timestamp, so that late records are
     * recognised. A window store drops whole segments once stream time passes {@code retention}: the
     * bound follows from the records, never from a wall-clock timer.
     */
    public static StoreBuilder<WindowStore<String, Long>> endedStoreBuilder(Duration retention) {
        return Stores.windowStoreBuilder(Stores.persistentWindowStore(ENDED_STORE, retention, Duration.ofMillis(1), false),
                org.apache.kafka.common.serialization.Serdes.String(), org.apache.kafka.common.serialization.Serdes.Long());
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.states = new SessionStates(context.getStateStore(STORE), context.getStateStore(ARGUMENTS_STORE));
        this.endedSessions = context.getStateStore(ENDED_STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        current = null;
        try {
            processOne(record);
        } catch (RuntimeException e) {
            // what escapes processOne's own recovery (reading the ended sessions, ending an unreadable one): the
            // record forwards nothing of what it began and is dead-lettered, instead of replacing the stream thread
            output.clear();
            LOG.error("session {}: processing a record failed outside its session's recovery; dead-lettered, the task goes on",
                    record.key(), e);
            metrics.processingError();
            deadLetter(record, record.key(), "processing-error", failureText(e));
        }
        output.flush();
    }

    private void processOne(Record<String, byte[]> record) {
        String sessionId = record.key();
        if (sessionId == null || record.value() == null) {
            deadLetter(record, sessionId, sessionId == null ? "no-session-id" : "no-value",
                    record.value() == null ? "" : excerpt(record.value()));
            return;
        }
        String topic = context.recordMetadata().map(RecordMetadata::topic).orElse(Topics.CHUNKS);
        RecordDecoder<?> decoder = Topics.REQUESTS.equals(topic) ? RecordDecoder.REQUEST : RecordDecoder.CHUNK;
        Object value;
        switch (decoder.decode(sessionId, record.headers(), record.value())) {
            case RecordDecoder.Outcome.Decoded<?> decoded -> value = decoded.value();
            case RecordDecoder.Outcome.UnknownType<?> unknown -> {
                metrics.skipped(topic);
                LOG.debug("skipping a {} record of unknown type '{}' (session {})", topic, unknown.type(), sessionId);
                return;
            }
            case RecordDecoder.Outcome.Undecodable<?> undecodable -> {
                // under another session's key a record would be applied to that session
                if (undecodable.reason().startsWith("wrong-key")) {
                    deadLetter(record, sessionId, "wrong-key", undecodable.reason());
                } else {
                    deadLetter(record, sessionId, "unreadable-record", excerpt(record.value()));
                }
                return;
            }
        }
        SessionState state;
        try {
            state = states.take(sessionId);
        } catch (RuntimeException e) {
            endUnreadable(record, sessionId, e);
            return;
        }
        if (state == null && hasEnded(sessionId)) {
            deadLetter(record, sessionId, "after-end", describe(value));
            return;
        }
        if (state == null) {
            state = new SessionState(sessionId);
        }
        current = traces.enter(sessionId, record.headers(), value);
        try {
            handle(state, value, record);
        } catch (RuntimeException e) {
            // what the failed record forwarded is dropped with its changes to the state: the stored state and
            // the events already out stay consistent, and the task goes on with the next record
            output.clear();
            recover(record, sessionId, value, e);
        }
    }

    private void handle(SessionState state, Object value, Record<String, byte[]> record) {
        switch (value) {
            case RequestRecord.Start start -> onRequest(state, start, record);
            case ChunkRecord.AttemptStarted started -> onAttemptStarted(state, started, record);
            case ChunkRecord.RetryScheduled retry -> onRetry(state, retry, record);
            case ChunkRecord.Chunk chunk -> onChunk(state, chunk, record);
            case ChunkRecord.AttemptEnded ended -> onAttemptEnded(state, ended, record);
            case ChunkRecord.SessionEnded ended -> onSessionEnded(state, ended, record);
            case ChunkRecord.SessionQueued queued -> onQueued(state, queued, record);
            default -> deadLetter(record, state.sessionId, "unknown-record", describe(value));
        }
        keep(state, record);
    }

    private void keep(SessionState state, Record<String, byte[]> record) {
        if (state.endedAt != null) {
            traces.ended(state.sessionId, state);
            metrics.sessionEnded(state);
            states.delete(state.sessionId);
            endedSessions.put(state.sessionId, state.nextSeq - 1, record.timestamp());
        } else {
            states.put(state.sessionId, state);
        }
    }

    /**
     * A record whose processing threw (a bug, deterministic under exactly-once: thrown again it would
     * replace the stream thread for ever). It is dead-lettered with the exception, and the session,
     * taken back as stored before the record, gets a warning and goes on — or, when it cannot (the
     * record was its end, or it failed before), ends with {@code error{processing_error}}.
     */
    private void recover(Record<String, byte[]> record, String sessionId, Object value, RuntimeException failure) {
        LOG.error("session {}: processing a {} failed; dead-lettered, the task goes on", sessionId, describe(value), failure);
        metrics.processingError();
        deadLetter(record, sessionId, "processing-error", failureText(failure));
        try {
            SessionState state = states.take(sessionId);
            if (state == null) {
                state = new SessionState(sessionId);
            }
            begin(state, record);
            if (value instanceof ChunkRecord.SessionEnded || state.processingErrors > 0) {
                state = state.plainCopy();
                endWithError(state, record, "processing_error", "the processor failed on a record of this session ("
                        + failure.getClass().getSimpleName() + ")");
            } else {
                state.processingErrors++;
                warn(state, record, "processing-error", "the processor skipped a record it failed on ("
                        + failure.getClass().getSimpleName() + "); the session goes on");
            }
            keep(state, record);
        } catch (RuntimeException again) {
            output.clear();
            LOG.error("session {}: recovering from a processing error failed too; its state is left as stored", sessionId, again);
            deadLetter(record, sessionId, "processing-error", failureText(again));
        }
    }

    /**
     * The stored state cannot be read (a change of its shape, a damaged store): the record is
     * dead-lettered and the session ended with {@code error}, at the seq the stored JSON still names
     * when it names one, instead of failing on every record of the session.
     */
    private void endUnreadable(Record<String, byte[]> record, String sessionId, RuntimeException failure) {
        LOG.error("session {}: its stored state cannot be read; ending it", sessionId, failure);
        metrics.processingError();
        deadLetter(record, sessionId, "unreadable-state", failureText(failure));
        long nextSeq = states.storedNextSeq(sessionId);
        states.delete(sessionId);
        if (nextSeq > 0) {
            SessionState ended = new SessionState(sessionId);
            ended.started = true;
            ended.nextSeq = nextSeq;
            endWithError(ended, record, "processing_error", "the processor could not read this session's stored state");
        }
        endedSessions.put(sessionId, Math.max(0, nextSeq - 1), record.timestamp());
    }

    private void endWithError(SessionState state, Record<String, byte[]> record, String code, String message) {
        state.status = SessionSummary.Status.FAILED;
        state.error = new SessionSummary.ErrorInfo(code, message, false);
        emit(state, record, seq -> new TokenEvent.Error(state.sessionId, seq, code, message, false, state.attemptUsage(),
                state.totalUsage, state.cost));
        state.endedAt = record.timestamp();
        summary(state, record);
    }

    private boolean hasEnded(String sessionId) {
        try (WindowStoreIterator<Long> endings = endedSessions.fetch(sessionId, 0L, Long.MAX_VALUE)) {
            return endings.hasNext();
        }
    }

    private void onRequest(SessionState state, RequestRecord.Start start, Record<String, byte[]> record) {
        state.owner = start.owner();
        state.conversationId = start.conversationId();
        state.createdAt = start.createdAt();
        state.upstream = start.upstream();
        state.model = start.model();
        state.providerFormat = start.providerFormat();
        begin(state, record);
        summary(state, record);
    }

    private void onAttemptStarted(SessionState state, ChunkRecord.AttemptStarted started, Record<String, byte[]> record) {
        if (stale(state, started, record)) {
            return;
        }
        if (state.upstream == null) {
            state.upstream = started.upstream();
            state.model = started.model();
            state.providerFormat = started.providerFormat();
        }
        begin(state, record);
        if (state.attemptHasOutput) {
            current.reset();
            String reason = started.attempt() == state.attempt
                    ? "attempt " + started.attempt() + " starts again on another ingest worker" // the first one lost the session
                    : "attempt " + started.attempt() + " replaces attempt " + state.attempt;
            emit(state, record, seq -> new TokenEvent.Reset(state.sessionId, seq, started.attempt(), reason));
        }
        state.attempt = started.attempt();
        state.attemptGeneration = ChunkSerde.writerGeneration(record.headers());
        state.attemptHasOutput = false;
        state.attemptStreamedChars = 0;
        state.upstreamErrorCode = null;
        state.upstreamErrorMessage = null;
        state.finishReason = null;
        state.normalisedFinishReason = null;
        boolean streaming = started.upstreamStatus() != null && started.upstreamStatus() == 200;
        // an error body that came instead of a stream is audited in the chunks, never parsed as one
        state.reassembler = streaming && started.providerFormat() != null
                ? ChunkReassembler.forFormat(started.providerFormat(), maxLineBytes) : null;
        if (started.attempt() > 1) {
            emit(state, record, seq -> new TokenEvent.Status(state.sessionId, seq, "connected", started.attempt(), null,
                    "upstream " + started.upstreamStatus()));
        }
        state.status = streaming ? SessionSummary.Status.STREAMING : state.status;
        state.updateAttempt(started.attempt(), a -> new SessionSummary.Attempt(started.attempt(), started.at(),
                started.upstreamStatus(), a.outcome(), a.reason(), a.retryDelayMs(), a.usage(), a.cost()));
        if (streaming && state.reassembler == null) {
            deadLetter(record, state.sessionId, "no-provider-format", "a 200 stream without a provider format");
        }
        summary(state, record);
    }

    private void onRetry(SessionState state, ChunkRecord.RetryScheduled retry, Record<String, byte[]> record) {
        if (stale(state, retry, record)) {
            return;
        }
        begin(state, record);
        emit(state, record, seq -> new TokenEvent.Status(state.sessionId, seq, "retrying", retry.attempt() + 1,
                retry.delayMs(), retry.reason()));
        state.status = SessionSummary.Status.RETRYING;
        state.updateAttempt(retry.attempt(), a -> new SessionSummary.Attempt(a.n(), a.startedAt(),
                a.upstreamStatus() != null ? a.upstreamStatus() : retry.upstreamStatus(), a.outcome(), a.reason(),
                retry.delayMs(), a.usage(), a.cost()));
        summary(state, record);
    }

    /** Ingest has no stream slot for the session yet: clients learn that it waits, and where it is in the queue. */
    private void onQueued(SessionState state, ChunkRecord.SessionQueued queued, Record<String, byte[]> record) {
        if (queued.attempt() <= state.attempt) {
            return; // written before that attempt started (a late marker of a worker that lost the session): nothing to say
        }
        begin(state, record);
        int ahead = queued.position() - 1;
        emit(state, record, seq -> new TokenEvent.Status(state.sessionId, seq, "queued", queued.attempt(), null,
                "waiting for an upstream stream slot: " + ahead + (ahead == 1 ? " session" : " sessions") + " ahead",
                queued.position()));
    }

    private void onChunk(SessionState state, ChunkRecord.Chunk chunk, Record<String, byte[]> record) {
        int generation = ChunkSerde.writerGeneration(record.headers());
        if (chunk.attempt() != state.attempt) {
            deadLetter(record, state.sessionId, "unknown-attempt",
                    "chunk of attempt " + chunk.attempt() + " while attempt " + state.attempt + " is current");
            return;
        }
        if (generation != state.attemptGeneration && generation != 0 && state.attemptGeneration != 0) {
            deadLetter(record, state.sessionId, "unknown-attempt", "chunk of attempt " + chunk.attempt() + " while attempt "
                    + state.attempt + " is current (writer generations " + generation + " and " + state.attemptGeneration
                    + ": from a worker that lost the session)");
            return;
        }
        if (state.reassembler == null) {
            return;
        }
        apply(state, state.reassembler.feed(chunk.bytes()), record);
    }

    private void onAttemptEnded(SessionState state, ChunkRecord.AttemptEnded ended, Record<String, byte[]> record) {
        if (stale(state, ended, record)) {
            return;
        }
        finishAttempt(state, record);
        state.updateAttempt(ended.attempt(), a -> new SessionSummary.Attempt(a.n(), a.startedAt(), a.upstreamStatus(),
                ended.outcome().wireName(), ended.reason(), a.retryDelayMs(), a.usage(), a.cost()));
        summary(state, record);
    }

    private void onSessionEnded(SessionState state, ChunkRecord.SessionEnded ended, Record<String, byte[]> record) {
        if (stale(state, ended, record)) {
            return;
        }
        begin(state, record);
        finishAttempt(state, record);
        TokenEvent terminal = switch (ended.outcome()) {
            case COMPLETED -> completed(state, record);
            case FAILED -> failed(state, ended);
            case CANCELLED -> {
                state.status = SessionSummary.Status.CANCELLED;
                state.cancelledBy = ended.cancelledBy();
                yield new TokenEvent.Cancelled(state.sessionId, state.takeSeq(), ended.cancelledBy(), ended.reason(),
                        state.attemptUsage(), state.totalUsage, state.cost);
            }
        };
        output.add(state.sessionId, terminal, record, TOKENS_SINK);
        state.endedAt = record.timestamp();
        summary(state, record);
    }

    /**
     * A marker of an attempt before the current one changes nothing: it comes from an ingest worker
     * that lost the session (frozen past its session timeout) while the new owner runs a later attempt.
     * A marker of a later attempt is current: attempts that fail before the upstream answers have no
     * {@code attempt_started}. An {@code attempt_started} must be newer than the current attempt.
     * Attempts are ordered by number, then by the writer's generation ({@link ChunkSerde#WRITER_GENERATION}):
     * a new owner that never saw the lost worker's unsent {@code attempt_started} runs the same number
     * again in a later generation, and that run is the current one whichever reaches Kafka first.
     */
    private boolean stale(SessionState state, ChunkRecord marker, Record<String, byte[]> record) {
        int generation = ChunkSerde.writerGeneration(record.headers());
        int order = marker.attempt() != state.attempt ? Integer.compare(marker.attempt(), state.attempt)
                : generation == 0 || state.attemptGeneration == 0 ? 0 : Integer.compare(generation, state.attemptGeneration);
        boolean stale = marker instanceof ChunkRecord.AttemptStarted ? order <= 0 : order < 0;
        if (stale) {
            deadLetter(record, state.sessionId, "unknown-attempt", describe(marker) + " of attempt " + marker.attempt()
                    + " while attempt " + state.attempt + " is current (writer generations " + generation + " and "
                    + state.attemptGeneration + ")");
        }
        return stale;
    }

    /**
     * Ingest decides how a session ends (DESIGN §3): {@code completed} is a {@code done}. When the
     * last attempt's stream disagrees, clients are told so in a warning first.
     */
    private TokenEvent completed(SessionState state, Record<String, byte[]> record) {
        if (state.upstreamErrorMessage != null) {
            warn(state, record, "upstream-error", "the upstream reported an error in its stream: " + state.upstreamErrorMessage);
        } else if (state.reassembler != null && !state.reassembler.terminated()) {
            warn(state, record, "unterminated-stream", "the upstream stream ended without its terminal marker");
        }
        state.status = SessionSummary.Status.COMPLETED;
        return new TokenEvent.Done(state.sessionId, state.takeSeq(),
                state.normalisedFinishReason == null ? "stop" : state.normalisedFinishReason, state.finishReason, state.usage,
                state.attemptUsage(), state.totalUsage, state.cost);
    }

    /** The marker's code and reason; an in-band upstream error of the last attempt fills in what the marker lacks. */
    private TokenEvent failed(SessionState state, ChunkRecord.SessionEnded ended) {
        String code = firstPresent(ended.code(), state.upstreamErrorCode, "upstream_error");
        String message = firstPresent(ended.reason(), state.upstreamErrorMessage, "the session failed");
        boolean retryable = Boolean.TRUE.equals(ended.retryable());
        state.status = SessionSummary.Status.FAILED;
        state.error = new SessionSummary.ErrorInfo(code, message, retryable);
        return new TokenEvent.Error(state.sessionId, state.takeSeq(), code, message, retryable, state.attemptUsage(),
                state.totalUsage, state.cost);
    }

    private static String firstPresent(String first, String second, String fallback) {
        return first != null && !first.isBlank() ? first : second != null && !second.isBlank() ? second : fallback;
    }

    /** Emits {@code start} (seq 1) the first time anything of the session arrives. */
    private void begin(SessionState state, Record<String, byte[]> record) {
        if (state.tokensPartition == null) {
            state.tokensPartition = context.recordMetadata().map(RecordMetadata::partition).orElse(null);
        }
        if (!state.started) {
            state.started = true;
            emit(state, record, seq -> new TokenEvent.Start(state.sessionId, seq, state.upstream, state.model,
                    state.conversationId));
        }
    }

    private void finishAttempt(SessionState state, Record<String, byte[]> record) {
        if (state.reassembler != null) {
            apply(state, state.reassembler.end(), record);
            state.finishReason = state.reassembler.finishReason();
            state.normalisedFinishReason = state.reassembler.normalisedFinishReason();
            if (state.reassembler.usage() != null) {
                state.usage = state.reassembler.usage();
            }
            recordAttemptUsage(state);
        }
    }

    /**
     * The ended attempt's usage as its stream reported it; when it reported none (an interrupted
     * attempt), its output estimated from the characters it streamed ({@link TokenUsage#estimatedFromText}).
     * Priced by the session's upstream and model. Runs once per attempt end, never per token.
     */
    private void recordAttemptUsage(SessionState state) {
        TokenUsage reported = state.reassembler.tokenUsage();
        TokenUsage usage = reported != null ? reported : TokenUsage.estimatedFromText(state.attemptStreamedChars);
        state.recordUsage(state.attempt, usage, prices.cost(state.upstream, state.model, usage));
    }

    private void apply(SessionState state, List<Extracted> items, Record<String, byte[]> record) {
        for (Extracted item : items) {
            switch (item) {
                case Extracted.Text text -> {
                    if (state.tokenCount == 0) {
                        state.firstTokenAt = record.timestamp();
                    }
                    state.tokenCount++;
                    state.attemptStreamedChars += text.text().length();
                    current.text(text.text());
                    output(state, record, seq -> new TokenEvent.Token(state.sessionId, seq, text.text()));
                    if (state.tokenCount == 1) {
                        summary(state, record);
                    }
                }
                case Extracted.Reasoning reasoning -> {
                    state.attemptStreamedChars += reasoning.text().length();
                    output(state, record, seq -> new TokenEvent.Reasoning(state.sessionId, seq, reasoning.text()));
                }
                case Extracted.Refusal refusal -> {
                    state.attemptStreamedChars += refusal.text().length();
                    output(state, record, seq -> new TokenEvent.Refusal(state.sessionId, seq, refusal.text()));
                }
                case Extracted.ToolCallDelta delta -> {
                    state.attemptStreamedChars += delta.argumentsDelta() == null ? 0 : delta.argumentsDelta().length();
                    output(state, record, seq -> new TokenEvent.ToolCall(state.sessionId, seq, delta.index(),
                            delta.providerIndex(), delta.id(), delta.name(), delta.argumentsDelta(), delta.arguments(), false));
                }
                case Extracted.ToolCallFinal last -> {
                    output(state, record, seq -> new TokenEvent.ToolCall(state.sessionId, seq, last.index(),
                            last.providerIndex(), last.id(), last.name(), "", last.arguments(), true));
                    if (!last.valid()) {
                        warn(state, record, "invalid-tool-arguments",
                                "tool call " + last.index() + " ended with arguments that are not valid JSON; its final event carries what"
                                        + " could be repaired of them");
                    }
                }
                case Extracted.Malformed malformed -> {
                    deadLetter(record, state.sessionId, malformed.reason(), malformed.excerpt());
                    warn(state, record, "malformed-fragment", "skipped a malformed upstream fragment (" + malformed.reason() + ")");
                }
                case Extracted.UpstreamError error -> {
                    state.upstreamErrorCode = error.code();
                    state.upstreamErrorMessage = error.message();
                }
            }
        }
    }

    private void output(SessionState state, Record<String, byte[]> record, java.util.function.LongFunction<TokenEvent> event) {
        state.attemptHasOutput = true;
        emit(state, record, event);
    }

    private void warn(SessionState state, Record<String, byte[]> record, String code, String message) {
        emit(state, record, seq -> new TokenEvent.Warning(state.sessionId, seq, code, message));
    }

    private void emit(SessionState state, Record<String, byte[]> record, java.util.function.LongFunction<TokenEvent> event) {
        output.add(state.sessionId, event.apply(state.takeSeq()), record, TOKENS_SINK);
    }

    private void summary(SessionState state, Record<String, byte[]> record) {
        output.add(state.sessionId, state.summary(), record, SESSIONS_SINK);
    }

    private void deadLetter(Record<String, byte[]> record, String sessionId, String reason, String excerpt) {
        RecordMetadata source = context.recordMetadata().orElse(null);
        DeadLetter letter = new DeadLetter(sessionId, source == null ? null : source.topic(),
                source == null ? -1 : source.partition(), source == null ? -1 : source.offset(), reason, excerpt,
                Instant.ofEpochMilli(record.timestamp()));
        output.add(sessionId, letter, record, DLQ_SINK);
    }

    /**
     * What one input record forwards, held until it has been processed: a record that fails half-way
     * forwards nothing of what it began, so no seq is written twice.
     */
    private final class Output {
        private record Pending(Record<String, Object> record, String sink) {}

        private final List<Pending> pending = new ArrayList<>();

        /**
         * A token or summary carries its session's trace headers (shared, built once per session),
         * not the input's (a chunk's rewind-* headers are no token's); a dead letter keeps the input's.
         */
        void add(String key, Object value, Record<String, byte[]> input, String sink) {
            Headers headers = current == null || sink.equals(DLQ_SINK) ? input.headers() : current.headers;
            pending.add(new Pending(new Record<>(key, value, input.timestamp(), headers), sink));
        }

        void clear() {
            pending.clear();
        }

        void flush() {
            for (Pending each : pending) {
                if (each.record().value() instanceof DeadLetter letter) {
                    metrics.deadLetter(letter.reason());
                }
                context.forward(each.record(), each.sink());
            }
            pending.clear();
        }
    }

    @Override
    public void close() {
        traces.closeAll();
    }

    /** The value's first bytes as text: enough to recognise it, never the whole record. */
    private static String excerpt(byte[] bytes) {
        return new String(bytes, 0, Math.min(bytes.length, DeadLetter.MAX_EXCERPT), StandardCharsets.UTF_8);
    }

    private static String failureText(RuntimeException failure) {
        return failure.getClass().getName() + ": " + failure.getMessage();
    }

    private static String describe(Object value) {
        return value instanceof ChunkRecord.Chunk chunk ? excerpt(chunk.bytes()) : value.getClass().getSimpleName();
    }
}
