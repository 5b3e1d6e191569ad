package dev.rewind.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdsTest {

    @Test
    void sessionIdsAreUrlSafeWith128RandomBitsAndUnique() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = SessionIds.newId();
            assertThat(id).hasSize(24).startsWith("s_").matches("[A-Za-z0-9_-]+");
            assertThat(SessionIds.isValid(id)).isTrue();
            seen.add(id);
        }
        assertThat(seen).hasSize(10_000);
        assertThat(SessionIds.isValid("s_short")).isFalse();
        assertThat(SessionIds.isValid("../../etc/passwd")).isFalse();
        assertThat(SessionIds.isValid(null)).isFalse();
    }

    @Test
    void eventIdsRoundTripThroughTheirText() {
        EventId id = new EventId(2, 18733, 12);
        assertThat(id.toString()).isEqualTo("2-18733-12");
        assertThat(EventId.parse("2-18733-12")).isEqualTo(id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "1-2", "1-2-3-4", "-1-2-3", "1--2-3", "1-2-x", "9999999999-1-1", "1-99999999999999999999-1", " 1-2-3"})
    void eventIdsRefuseAnythingElse(String text) {
        assertThatThrownBy(() -> EventId.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSessionAlwaysMapsToThePartitionKafkasDefaultPartitionerChooses() {
        String id = SessionIds.newId();
        int partition = SessionPartitioner.partitionFor(id, 6);
        assertThat(partition).isBetween(0, 5).isEqualTo(SessionPartitioner.partitionFor(id, 6));
        // the same murmur2 as Kafka's BuiltInPartitioner for keyed records
        byte[] key = id.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(partition).isEqualTo(org.apache.kafka.clients.producer.internals.BuiltInPartitioner.partitionForKey(key, 6));
    }

    @Test
    void coPartitionedTopicsMustHaveEqualPartitionCounts() {
        assertThat(TopicProvisioner.checkCounts(Map.of(Topics.REQUESTS, 6, Topics.CHUNKS, 6, Topics.TOKENS, 6)).partitions())
                .isEqualTo(6);
        assertThatThrownBy(() -> TopicProvisioner.checkCounts(Map.of(Topics.REQUESTS, 6, Topics.CHUNKS, 6, Topics.TOKENS, 12)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("rewind.tokens=12")
                .hasMessageContaining("rewind.requests=6");
    }
}
