package dev.rewind.edge.durablestream;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The {@code Stream-Cursor} of live reads (PROTOCOL.md §10.1): the number of 20-second intervals
 * since 2024-10-09T00:00:00Z, and never at or below the cursor the client echoed (then it moves on
 * by 1 to 3,600 seconds of jitter), so a CDN keyed by the cursor never serves an empty answer in a loop.
 */
final class CollapsingCursor {

    private static final Instant EPOCH = Instant.parse("2024-10-09T00:00:00Z");
    private static final long INTERVAL_SECONDS = 20;

    private final Clock clock;

    CollapsingCursor(Clock clock) {
        this.clock = clock;
    }

    String next(String echoed) {
        long current = (clock.instant().getEpochSecond() - EPOCH.getEpochSecond()) / INTERVAL_SECONDS;
        long client = parse(echoed);
        if (client >= current) {
            long jitterSeconds = ThreadLocalRandom.current().nextLong(1, 3601);
            current = client + Math.max(1, jitterSeconds / INTERVAL_SECONDS);
        }
        return Long.toString(current);
    }

    /** A cursor the client sent back; anything not a number is as if absent (it only keys caches). */
    private static long parse(String echoed) {
        if (echoed == null || echoed.isBlank() || echoed.length() > 18) {
            return -1;
        }
        try {
            return Long.parseLong(echoed.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
