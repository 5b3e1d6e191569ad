package dev.rewind.analytics.billing;

import dev.rewind.protocol.AnalyticsRecord;
import dev.rewind.protocol.SessionSummary;

/**
 * What one API key's sessions on one upstream and model were billed for: the key-window store's
 * value. Summed from final summaries only, which the processor writes once per session.
 */
public record KeyBilling(String owner, String upstream, String model, AnalyticsRecord.Billing billing) {

    public KeyBilling {
        billing = billing == null ? AnalyticsRecord.Billing.NONE : billing;
    }

    public static KeyBilling empty() {
        return new KeyBilling(null, null, null, AnalyticsRecord.Billing.NONE);
    }

    /** True for the summary a session ends with, when it names what the key is billed by. */
    public static boolean counts(SessionSummary summary) {
        return summary.status().isFinal() && summary.owner() != null && summary.upstream() != null && summary.model() != null;
    }

    /** The grouping key: owner, upstream and model, encoded as in {@code rewind.analytics} keys. */
    public static String seriesOf(SessionSummary summary) {
        return AnalyticsRecord.keyPart(summary.owner()) + "|" + AnalyticsRecord.keyPart(summary.upstream()) + "|"
                + AnalyticsRecord.keyPart(summary.model());
    }

    public KeyBilling add(SessionSummary summary) {
        return new KeyBilling(summary.owner(), summary.upstream(), summary.model(),
                billing.plus(summary.totalUsage(), summary.cost()));
    }
}
