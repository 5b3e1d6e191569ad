package dev.rewind.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class SessionPartitionerTest {

    @Test
    void choosesThePartitionKafkasDefaultPartitionerChoosesForTheKey() {
        for (int i = 0; i < 1_000; i++) {
            String id = SessionIds.newId();
            byte[] key = id.getBytes(StandardCharsets.UTF_8);
            for (int partitions : new int[] {1, 3, 6, 64}) {
                assertThat(SessionPartitioner.partitionFor(id, partitions))
                        .isEqualTo(BuiltInPartitioner.partitionForKey(key, partitions));
            }
        }
    }
}
