package dev.rewind.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class AnalyticsRecordTest {

    @Test
    void keysNameTheKindTheSeriesAndTheWindowStart() {
        assertThat(AnalyticsRecord.windowKey("sim", "sim-small", Instant.parse("2026-11-24T10:15:00Z")))
                .isEqualTo("window|sim|sim-small|2026-11-24T10:15:00Z");
        assertThat(AnalyticsRecord.totalKey("sim", "sim-small")).isEqualTo("total|sim|sim-small");
    }

    @Test
    void aModelNameWithSeparatorsCannotFakeAnotherSeriesKey() {
        assertThat(AnalyticsRecord.totalKey("sim", "a|b")).isEqualTo("total|sim|a%7Cb");
        assertThat(AnalyticsRecord.totalKey("sim", "a%7Cb")).isEqualTo("total|sim|a%257Cb");
        assertThat(AnalyticsRecord.totalKey("sim|a", "b")).isNotEqualTo(AnalyticsRecord.totalKey("sim", "a|b"));
    }
}
