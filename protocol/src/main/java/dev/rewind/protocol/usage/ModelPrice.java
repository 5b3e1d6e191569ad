package dev.rewind.protocol.usage;

import java.math.BigDecimal;

/**
 * One model's prices per million tokens. {@code cachedInput} defaults to {@code input} and
 * {@code reasoning} to {@code output} (most providers bill reasoning as output).
 */
public record ModelPrice(BigDecimal input, BigDecimal output, BigDecimal cachedInput, BigDecimal reasoning) {

    public ModelPrice {
        cachedInput = cachedInput == null ? input : cachedInput;
        reasoning = reasoning == null ? output : reasoning;
    }
}
