package dev.rewind.protocol.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rewind.protocol.Json;
import dev.rewind.protocol.config.ConfigException;
import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PriceTableTest {

    private static final PriceTable PRICES = new PriceTable("USD", Map.of("openai", Map.of(
            "gpt-4o", new ModelPrice(new BigDecimal("2.50"), new BigDecimal("10.00"), new BigDecimal("1.25"), null),
            "o3", new ModelPrice(new BigDecimal("2"), new BigDecimal("8"), null, new BigDecimal("16")))));

    @Test
    void pricesUncachedAndCachedInputOutputAndReasoningPerMillionTokensExactly() {
        // 1,000 input of which 400 cached, 300 output of which 100 reasoning
        Cost cost = PRICES.cost("openai", "o3", TokenUsage.reported(1000L, 300L, 100L, 400L));
        // 600 x 2 + 400 x 2 (cached defaults to input) + 200 x 8 + 100 x 16 = 5,200 per million
        assertThat(cost).isEqualTo(new Cost("USD", new BigDecimal("0.0052"), false));
        Cost gpt = PRICES.cost("openai", "gpt-4o", TokenUsage.reported(1L, 1L, null, 1L));
        assertThat(gpt.amount()).isEqualTo(new BigDecimal("0.00001125")); // 1 x 1.25 + 1 x 10 = 11.25 per million
    }

    @Test
    void anUnknownModelOrUpstreamHasNoCostNeverZero() {
        TokenUsage usage = TokenUsage.reported(10L, 10L, null, null);
        assertThat(PRICES.cost("openai", "gpt-5", usage)).isNull();
        assertThat(PRICES.cost("anthropic", "gpt-4o", usage)).isNull();
        assertThat(PRICES.cost("openai", "gpt-4o", null)).isNull();
    }

    @Test
    void anEstimatedUsageCostsItsEstimatedOutputAndIsMarkedEstimated() {
        Cost cost = PRICES.cost("openai", "gpt-4o", TokenUsage.estimatedFromText(10)); // 3 tokens x 10
        assertThat(cost).isEqualTo(new Cost("USD", new BigDecimal("0.00003"), true));
    }

    @Test
    void amountsAreWrittenAsPlainDecimals() {
        assertThat(Json.toString(new Cost("USD", new BigDecimal("0.0000001"), false)))
                .isEqualTo("{\"currency\":\"USD\",\"amount\":0.0000001,\"estimated\":false}");
    }

    @Test
    void refusesABadPriceNamingItsKey() {
        assertThatThrownBy(() -> new PriceTable("USD", Map.of("openai", Map.of("gpt-4o",
                new ModelPrice(new BigDecimal("1"), new BigDecimal("-1"), null, null)))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'prices.models.openai.gpt-4o.output'");
        assertThatThrownBy(() -> new PriceTable("USD", Map.of("openai", Map.of("gpt-4o",
                new ModelPrice(null, new BigDecimal("1"), null, null)))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'prices.models.openai.gpt-4o.input'");
        assertThatThrownBy(() -> new PriceTable("dollars", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'prices.currency'");
    }

    @Test
    void estimatesOutputTokensAsStreamedCharactersOverFourRoundedUp() {
        assertThat(TokenUsage.estimatedFromText(0).outputTokens()).isZero();
        assertThat(TokenUsage.estimatedFromText(1).outputTokens()).isEqualTo(1);
        assertThat(TokenUsage.estimatedFromText(8).outputTokens()).isEqualTo(2);
        assertThat(TokenUsage.estimatedFromText(9).outputTokens()).isEqualTo(3);
        assertThat(TokenUsage.estimatedFromText(9).estimated()).isTrue();
    }
}
