package dev.rewind.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LoadStatsTest {

    @Test
    void countsFailuresByKindWithAnErrorEventsCode() {
        LoadStats stats = new LoadStats();
        stats.fail("rewind: ended with error {\"type\":\"error\",\"seq\":5,\"code\":\"upstream_circuit_open\",\"retryable\":true}");
        stats.fail("rewind: ended with error {\"type\":\"error\",\"seq\":9,\"code\":\"upstream_circuit_open\"}");
        stats.fail("rewind: GET events answered 404 after seq 0");
        stats.fail("direct: transcript differs: expected 'a', got 'b'");

        assertThat(stats.failureCount()).isEqualTo(4);
        assertThat(stats.failureKinds()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of(
                "ended with error upstream_circuit_open", 2L,
                "GET events answered", 1L,
                "transcript differs", 1L));
    }
}
