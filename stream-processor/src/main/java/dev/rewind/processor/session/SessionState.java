package dev.rewind.processor.session;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rewind.protocol.ProviderFormat;
import dev.rewind.protocol.SessionSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the processor remembers of one live session between records, in the {@code session-state}
 * store: the next seq, the current attempt's reassembler, and what the summary needs. It is deleted
 * when the session ends; the {@code ended-sessions} store then recognises late records.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
final class SessionState {

    String sessionId;
    long nextSeq = 1;
    boolean started;
    String owner;
    String conversationId;
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
    Long firstTokenAt;
    Long endedAt;
    String upstreamErrorCode;
    String upstreamErrorMessage;
    String finishReason;
    String normalisedFinishReason;
    JsonNode usage;
    SessionSummary.Status status = SessionSummary.Status.PENDING;
    SessionSummary.ErrorInfo error;
    String cancelledBy;
    /** Records of this session whose processing threw; a second one ends the session. */
    int processingErrors;

    SessionState() {}

    SessionState(String sessionId) {
        this.sessionId = sessionId;
    }

    /**
     * A copy with the plain fields only (seq, request, counts), none of the parsing state or attempt
     * list: what ending the session still needs when processing it failed, whatever broke.
     */
    SessionState plainCopy() {
        SessionState copy = new SessionState(sessionId);
        copy.nextSeq = nextSeq;
        copy.started = started;
        copy.owner = owner;
        copy.conversationId = conversationId;
        copy.upstream = upstream;
        copy.model = model;
        copy.providerFormat = providerFormat;
        copy.createdAt = createdAt;
        copy.tokensPartition = tokensPartition;
        copy.tokenCount = tokenCount;
        copy.firstTokenAt = firstTokenAt;
        return copy;
    }

    long takeSeq() {
        return nextSeq++;
    }

    /** Times are record timestamps (never this host's clock), so replays give the same summary. */
    SessionSummary summary() {
        return new SessionSummary(sessionId, owner, upstream, providerFormat, model, createdAt, status, attempts,
                tokenCount, usage, sinceCreated(firstTokenAt), sinceCreated(endedAt), error, cancelledBy, tokensPartition,
                conversationId);
    }

    private Long sinceCreated(Long timestamp) {
        return createdAt == null || timestamp == null ? null : Math.max(0, timestamp - createdAt.toEpochMilli());
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
}
