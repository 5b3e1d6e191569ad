package dev.rewind.protocol.usage;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * What an attempt or a session cost, in {@code currency} (ISO 4217) at the configured prices.
 * {@code amount} is an exact decimal (never a binary float); {@code estimated} when the usage it
 * was computed from was partly estimated.
 */
public record Cost(String currency, BigDecimal amount, boolean estimated) {

    public Cost {
        Objects.requireNonNull(currency, "currency");
        // one value, one representation: 0.00010 and 0.0001 are the same cost
        amount = Objects.requireNonNull(amount, "amount").stripTrailingZeros();
    }

    /** Nothing spent: the sum of no costs. */
    public static Cost zero(String currency) {
        return new Cost(currency, BigDecimal.ZERO, false);
    }

    /** The sum of two costs in one currency (a price table has one currency). */
    public Cost plus(Cost other) {
        if (!currency.equals(other.currency)) {
            throw new IllegalArgumentException("cannot add " + other.currency + " to " + currency);
        }
        return new Cost(currency, amount.add(other.amount), estimated || other.estimated);
    }
}
