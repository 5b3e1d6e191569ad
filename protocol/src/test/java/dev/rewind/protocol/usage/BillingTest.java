package dev.rewind.protocol.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.protocol.AnalyticsRecord.Billing;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class BillingTest {

    @Test
    void sumsUsageAndPricedCostsAndCountsUnpricedSessionsApartNeverAsZero() {
        Billing billing = Billing.NONE
                .plus(TokenUsage.reported(100L, 20L, 5L, 40L), new Cost("USD", new BigDecimal("0.0012"), false))
                .plus(TokenUsage.estimatedFromText(8), null)
                .plus(TokenUsage.reported(10L, 2L, null, null), new Cost("USD", new BigDecimal("0.0003"), false))
                .plus(null, null);
        assertThat(billing).isEqualTo(new Billing(110, 24, 5, 40, 1, 2, 1, new Cost("USD", new BigDecimal("0.0015"), false)));
    }

    @Test
    void hasNoCostWhenNoSessionWasPriced() {
        assertThat(Billing.NONE.plus(TokenUsage.reported(1L, 1L, null, null), null).cost()).isNull();
    }
}
