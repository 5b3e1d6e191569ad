package dev.rewind.analytics.session;

import dev.rewind.protocol.TokenEvent;

/**
 * What analytics remembers of one live session between its events: where it came from (only its
 * {@code start} event says), the last seq seen (to drop duplicates), and the counts so far. Pure:
 * every method returns a new value computed from the event and its record timestamp alone.
 */
public record SessionProgress(
        String upstream,
        String model,
        long startedAt,
        long lastSeq,
        long lastEventAt,
        long tokens,
        long discardedTokens,
        Long firstOutputAt,
        Long firstTokenAt,
        int retries,
        int resets) {

    /** An error event without a code is counted under this code. */
    public static final String UNKNOWN_ERROR = "unknown";

    public static SessionProgress started(TokenEvent.Start start, long timestamp) {
        return new SessionProgress(start.upstream(), start.model(), timestamp, start.seq(), timestamp, 0, 0, null,
                null, 0, 0);
    }

    public SessionFact.Started startFact() {
        return new SessionFact.Started(upstream, model, startedAt);
    }

    /** True when the event was seen before (a duplicate delivery never counts twice). */
    public boolean hasSeen(TokenEvent event) {
        return event.seq() <= lastSeq;
    }

    /** The progress after a non-terminal event. */
    public SessionProgress after(TokenEvent event, long timestamp) {
        long at = Math.max(timestamp, lastEventAt);
        return switch (event) {
            case TokenEvent.Token t -> new SessionProgress(upstream, model, startedAt, t.seq(), at, tokens + 1,
                    discardedTokens, firstOutput(at), firstTokenAt == null ? at : firstTokenAt, retries, resets);
            case TokenEvent.Reasoning r -> output(r, at);
            case TokenEvent.Refusal r -> output(r, at);
            case TokenEvent.ToolCall c -> output(c, at);
            case TokenEvent.Status s when s.state().equals("retrying") -> new SessionProgress(upstream, model,
                    startedAt, s.seq(), at, tokens, discardedTokens, firstOutputAt, firstTokenAt, retries + 1, resets);
            // a reset throws away the attempt's output: its tokens are discarded, the next token starts generation anew
            case TokenEvent.Reset r -> new SessionProgress(upstream, model, startedAt, r.seq(), at, 0,
                    discardedTokens + tokens, firstOutputAt, null, retries, resets + 1);
            default -> seen(event, at);
        };
    }

    /** The fact a terminal event ends the session with. */
    public SessionFact.Finished finish(TokenEvent terminal, long timestamp) {
        long at = Math.max(timestamp, lastEventAt);
        SessionFact.Outcome outcome = switch (terminal) {
            case TokenEvent.Done d -> SessionFact.Outcome.DONE;
            case TokenEvent.Error e -> SessionFact.Outcome.ERROR;
            case TokenEvent.Cancelled c -> SessionFact.Outcome.CANCELLED;
            default -> throw new IllegalArgumentException("not a terminal event: " + terminal.eventName());
        };
        String errorCode = terminal instanceof TokenEvent.Error e
                ? (e.code() == null || e.code().isBlank() ? UNKNOWN_ERROR : e.code())
                : null;
        return new SessionFact.Finished(upstream, model, at, outcome, tokens, discardedTokens,
                firstOutputAt == null ? null : firstOutputAt - startedAt, at - startedAt,
                firstTokenAt == null ? null : at - firstTokenAt, retries, resets, errorCode,
                ((TokenEvent.Terminal) terminal).totalUsage(), ((TokenEvent.Terminal) terminal).cost());
    }

    private SessionProgress output(TokenEvent event, long at) {
        return new SessionProgress(upstream, model, startedAt, event.seq(), at, tokens, discardedTokens,
                firstOutput(at), firstTokenAt, retries, resets);
    }

    private SessionProgress seen(TokenEvent event, long at) {
        return new SessionProgress(upstream, model, startedAt, event.seq(), at, tokens, discardedTokens,
                firstOutputAt, firstTokenAt, retries, resets);
    }

    private Long firstOutput(long at) {
        return firstOutputAt == null ? at : firstOutputAt;
    }
}
