package dev.rewind.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rewind.protocol.config.ConfigException;
import dev.rewind.protocol.config.ConfigLoader;
import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessorConfigTest {

    private static ProcessorConfig load(String yaml) {
        return ConfigLoader.load(ProcessorConfig.class, ConfigLoader.parseYaml(yaml), Map.of(),
                ConfigLoader.KAFKA_DEFAULTS, "stream-processor-defaults.yaml");
    }

    @Test
    void readsAPriceTablePerUpstreamAndModelWithDefaultsForCachedInputAndReasoning() {
        ProcessorConfig config = load("prices: {currency: EUR, models: {openai: {gpt-4o: {input: 2.50, output: 10}}}}");
        var price = config.prices().models().get("openai").get("gpt-4o");
        assertThat(config.prices().currency()).isEqualTo("EUR");
        assertThat(price.input()).isEqualByComparingTo(new BigDecimal("2.50"));
        assertThat(price.cachedInput()).isEqualByComparingTo(new BigDecimal("2.50"));
        assertThat(price.reasoning()).isEqualByComparingTo(new BigDecimal("10"));
    }

    @Test
    void knowsNoPricesByDefault() {
        assertThat(load("{}").prices().models()).isEmpty();
    }

    @Test
    void aBadPriceStopsStartupNamingItsKey() {
        assertThatThrownBy(() -> load("prices: {models: {openai: {gpt-4o: {input: 1, output: -2}}}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("prices.models.openai.gpt-4o.output");
        assertThatThrownBy(() -> load("prices: {currency: dollars}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("prices.currency");
        assertThatThrownBy(() -> load("prices: {models: {openai: {gpt-4o: {input: 1, output: 2, cache: 1}}}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cache");
    }
}
