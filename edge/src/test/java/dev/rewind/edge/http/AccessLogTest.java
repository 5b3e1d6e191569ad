package dev.rewind.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The access log's request target: secret query parameters are redacted whatever their case or encoding. */
class AccessLogTest {

    @Test
    void redactsTokenAndKeyParametersAndKeepsTheRest() {
        assertThat(AccessLog.redactedTarget("/v1/sessions/s_x/events", "access_token=rt1.k1.abc.def&from=start"))
                .isEqualTo("/v1/sessions/s_x/events?access_token=REDACTED&from=start");
        assertThat(AccessLog.redactedTarget("/v1/x", "Access_Token=secret&%61pi_key=k&token=t&last_event_id=1-2-3"))
                .isEqualTo("/v1/x?Access_Token=REDACTED&%61pi_key=REDACTED&token=REDACTED&last_event_id=1-2-3");
        assertThat(AccessLog.redactedTarget("/health", "")).isEqualTo("/health");
        assertThat(AccessLog.redactedTarget("/health", null)).isEqualTo("/health");
    }
}
