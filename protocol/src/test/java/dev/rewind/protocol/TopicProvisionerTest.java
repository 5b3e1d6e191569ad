package dev.rewind.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicProvisionerTest {

    @Test
    void acceptsEqualPartitionCountsAndReportsThem() {
        assertThat(TopicProvisioner.checkCounts(Map.of(Topics.REQUESTS, 6, Topics.CHUNKS, 6, Topics.TOKENS, 6)))
                .isEqualTo(new TopicProvisioner.Layout(6));
    }

    @Test
    void refusesUnequalPartitionCountsNamingEachTopicAndCount() {
        assertThatThrownBy(() -> TopicProvisioner.checkCounts(Map.of(Topics.REQUESTS, 6, Topics.CHUNKS, 3, Topics.TOKENS, 12)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("rewind.requests=6")
                .hasMessageContaining("rewind.chunks=3")
                .hasMessageContaining("rewind.tokens=12")
                .hasMessageContaining("same partition count");
    }
}
