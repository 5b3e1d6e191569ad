package dev.rewind.processor.session;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.SessionSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the processor remembers of one session between records, in the {@code session-state}
 * store: the next seq, the current attempt's reassembler, and what the summary needs. Once the
 * session has ended only a small tombstone remains (no reassembler), so late chunks are recognised.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
final class SessionState {

    String sessionId;
    long nextSeq = 1;
    boolean started;
    boolean ended;
    String owner;
    String upstream;
    String model;
    ProviderFormat providerFormat;
    Instant createdAt;
    Integer tokensPartition;
    int attempt;
    boolean attemptHasOutput;
    ChunkReassembler reassembler;
    List<SessionSummary.Attempt> attempts = new ArrayList<>();
    long tokenCount;
    Long ttftMs;
    Long durationMs;
    String upstreamErrorCode;
    String upstreamErrorMessage;
    String finishReason;
    JsonNode usage;
    SessionSummary.Status status = SessionSummary.Status.PENDING;
    SessionSummary.ErrorInfo error;
    String cancelledBy;

    SessionState() {}

    SessionState(String sessionId) {
        this.sessionId = sessionId;
    }

    long takeSeq() {
        return nextSeq++;
    }

    SessionSummary summary() {
        return new SessionSummary(sessionId, owner, upstream, providerFormat, model, createdAt, status, attempts,
                tokenCount, usage, ttftMs, durationMs, error, cancelledBy, tokensPartition);
    }

    /** Replaces the attempt entry {@code n} (attempts are numbered from 1). */
    void updateAttempt(int n, java.util.function.UnaryOperator<SessionSummary.Attempt> change) {
        for (int i = 0; i < attempts.size(); i++) {
            if (attempts.get(i).n() == n) {
                attempts.set(i, change.apply(attempts.get(i)));
                return;
            }
        }
        attempts.add(change.apply(new SessionSummary.Attempt(n, null, null, null, null, null)));
    }

    /** Keeps only what recognises late records: the end is final. */
    void endAndForget() {
        ended = true;
        reassembler = null;
        attempts = new ArrayList<>();
        usage = null;
    }
}
