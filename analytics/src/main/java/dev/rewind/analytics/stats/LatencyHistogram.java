package dev.rewind.analytics.stats;

import dev.rewind.protocol.AnalyticsRecord;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * Latency distributions as HdrHistogram, kept in the state stores in its compressed encoding (base64):
 * mergeable across windows and instances, a few hundred bytes whatever the number of values, and
 * exact to 2 significant digits. Values are milliseconds, clamped to [0, one day].
 */
public final class LatencyHistogram {

    static final long HIGHEST_MS = 24L * 3600 * 1000;
    private static final int SIGNIFICANT_DIGITS = 2;

    private LatencyHistogram() {}

    /** The encoding of {@code encoded} (null: empty) with {@code valueMs} added. */
    public static String record(String encoded, long valueMs) {
        Histogram histogram = decode(encoded);
        histogram.recordValue(Math.clamp(valueMs, 0, HIGHEST_MS));
        return encode(histogram);
    }

    /**
     * Count and percentiles of {@code encoded}; {@code exactMaxMs} is kept beside the histogram because
     * the histogram only knows its values to 2 significant digits.
     */
    public static AnalyticsRecord.Latency summarize(String encoded, Long exactMaxMs) {
        Histogram histogram = decode(encoded);
        long count = histogram.getTotalCount();
        if (count == 0 || exactMaxMs == null) {
            return new AnalyticsRecord.Latency(count, null, null, null, null);
        }
        return new AnalyticsRecord.Latency(count, percentile(histogram, 50, exactMaxMs),
                percentile(histogram, 95, exactMaxMs), percentile(histogram, 99, exactMaxMs), exactMaxMs);
    }

    /** The recorded value at the percentile (nearest rank), to the histogram's precision; never above the max. */
    private static long percentile(Histogram histogram, double percentile, long exactMaxMs) {
        return Math.min(histogram.getValueAtPercentile(percentile), exactMaxMs);
    }

    /** The larger of a maximum so far (null: none) and a new value, clamped like the histogram's values. */
    public static Long max(Long maxSoFar, long valueMs) {
        long clamped = Math.clamp(valueMs, 0, HIGHEST_MS);
        return maxSoFar == null ? clamped : Math.max(maxSoFar, clamped);
    }

    private static Histogram decode(String encoded) {
        if (encoded == null) {
            return new Histogram(HIGHEST_MS, SIGNIFICANT_DIGITS);
        }
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(encoded)),
                    HIGHEST_MS);
        } catch (DataFormatException e) {
            throw new IllegalStateException("a latency histogram in the state store is corrupt", e);
        }
    }

    private static String encode(Histogram histogram) {
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        byte[] bytes = new byte[length];
        buffer.flip();
        buffer.get(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }
}
