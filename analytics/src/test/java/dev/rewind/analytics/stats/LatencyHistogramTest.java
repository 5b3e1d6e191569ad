package dev.rewind.analytics.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.protocol.AnalyticsRecord;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void anEmptyHistogramHasNoPercentiles() {
        assertThat(LatencyHistogram.summarize(null, null)).isEqualTo(new AnalyticsRecord.Latency(0, null, null, null, null));
    }

    @Test
    void valuesBeyondADayAndBelowZeroAreClampedNotRefused() {
        String encoded = LatencyHistogram.record(LatencyHistogram.record(null, -5), LatencyHistogram.HIGHEST_MS * 3);
        Long max = LatencyHistogram.max(LatencyHistogram.max(null, -5), LatencyHistogram.HIGHEST_MS * 3);
        AnalyticsRecord.Latency latency = LatencyHistogram.summarize(encoded, max);
        assertThat(latency.count()).isEqualTo(2);
        assertThat(latency.p50()).isZero();
        assertThat(latency.max()).isEqualTo(LatencyHistogram.HIGHEST_MS);
    }

    @Test
    void theEncodingStaysSmallWhateverTheNumberOfValues() {
        Random random = new Random(42);
        String encoded = null;
        for (int i = 0; i < 10_000; i++) {
            encoded = LatencyHistogram.record(encoded, 50 + (long) Math.abs(random.nextGaussian() * 400));
        }
        assertThat(LatencyHistogram.summarize(encoded, 5_000L).count()).isEqualTo(10_000);
        assertThat(encoded.length()).as("base64 characters").isLessThan(1_000);
    }
}
