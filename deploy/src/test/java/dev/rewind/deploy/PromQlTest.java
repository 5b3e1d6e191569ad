package dev.rewind.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromQlTest {

    @Test
    void findsTheMetricsAndNotTheFunctionsLabelsRangesOrGroupings() {
        assertThat(PromQl.metricNames("sum by (transport) (rate(rewind_edge_events_delivered_total"
                + "{namespace=~\"$namespace\", container=\"edge\"}[$__rate_interval]))")).containsExactly(
                "rewind_edge_events_delivered_total");
        assertThat(PromQl.metricNames("max by (pod) (process_files_open_files{a=\"b\"} / process_files_max_files)"))
                .containsExactly("process_files_max_files", "process_files_open_files");
        assertThat(PromQl.metricNames("a_total / on (pod) group_left (node) b_info > bool 0 or c"))
                .containsExactly("a_total", "b_info", "c");
    }
}
