package dev.rewind.ingest.session;

import dev.rewind.protocol.ChunkRecord.AttemptOutcome;
import java.util.OptionalLong;

/** How one upstream attempt went. */
sealed interface AttemptResult {

    /** The provider finished its stream (terminal marker seen, no in-band error). */
    record Completed() implements AttemptResult {}

    /** Someone asked to stop. */
    record Cancelled() implements AttemptResult {}

    /**
     * It failed: {@code status} is the HTTP status when one came, {@code retryAfterMs} the
     * upstream's hint, {@code outputFlowed} whether any body bytes were written for this attempt,
     * {@code upstreamFault} whether it counts against the upstream's circuit breaker.
     */
    record Failed(UpstreamFailure failure, AttemptOutcome outcome, Integer status, OptionalLong retryAfterMs,
            boolean outputFlowed, boolean upstreamFault) implements AttemptResult {}
}
