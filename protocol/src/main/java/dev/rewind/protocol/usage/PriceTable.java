package dev.rewind.protocol.usage;

import dev.rewind.protocol.config.ConfigException;
import java.math.BigDecimal;
import java.util.Currency;
import java.util.Map;

/**
 * The prices of the configured upstreams' models (config key {@code prices}): {@code currency} (one
 * ISO 4217 code for the whole table, so sums never mix currencies) and {@code models.<upstream>.<model>}
 * with prices per million tokens. A model that is not in the table has no cost (null), never 0.
 */
public record PriceTable(String currency, Map<String, Map<String, ModelPrice>> models) {

    /** No prices: every cost is unknown. */
    public static final PriceTable NONE = new PriceTable("USD", Map.of());

    public PriceTable {
        ConfigException.check(currency != null && isCurrency(currency), "prices.currency",
                "must be an ISO 4217 currency code such as USD or EUR");
        models = models == null ? Map.of() : Map.copyOf(models);
        models.forEach((upstream, prices) -> {
            ConfigException.check(prices != null, "prices.models." + upstream, "must map model names to prices");
            prices.forEach((model, price) -> {
                String key = "prices.models." + upstream + "." + model;
                ConfigException.check(price != null, key, "must give input and output prices");
                checkPrice(price.input(), key + ".input", true);
                checkPrice(price.output(), key + ".output", true);
                checkPrice(price.cachedInput(), key + ".cached_input", false);
                checkPrice(price.reasoning(), key + ".reasoning", false);
            });
        });
    }

    private static void checkPrice(BigDecimal price, String key, boolean required) {
        ConfigException.check(price != null || !required, key, "is required (per million tokens)");
        ConfigException.check(price == null || price.signum() >= 0, key, "must not be negative");
    }

    private static boolean isCurrency(String code) {
        try {
            return code.equals(Currency.getInstance(code).getCurrencyCode());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * What {@code usage} cost on {@code upstream}'s {@code model}: null when the model has no price
     * or there is no usage. Uncached input at the input price, cached input at the cached price,
     * output beyond reasoning at the output price, reasoning at the reasoning price; a count the
     * provider did not report counts nothing (so an estimated usage costs its estimated output).
     */
    public Cost cost(String upstream, String model, TokenUsage usage) {
        ModelPrice price = upstream == null || model == null ? null : models.getOrDefault(upstream, Map.of()).get(model);
        if (price == null || usage == null) {
            return null;
        }
        long input = count(usage.inputTokens());
        long cached = Math.min(count(usage.cachedInputTokens()), input);
        long output = count(usage.outputTokens());
        long reasoning = Math.min(count(usage.reasoningTokens()), output);
        BigDecimal perMillion = price.input().multiply(BigDecimal.valueOf(input - cached))
                .add(price.cachedInput().multiply(BigDecimal.valueOf(cached)))
                .add(price.output().multiply(BigDecimal.valueOf(output - reasoning)))
                .add(price.reasoning().multiply(BigDecimal.valueOf(reasoning)));
        // exact: dividing by 10^6 only moves the decimal point
        return new Cost(currency, perMillion.movePointLeft(6), usage.estimated());
    }

    private static long count(Long tokens) {
        return tokens == null ? 0 : Math.max(0, tokens);
    }
}
