package dev.rewind.protocol;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * The partition a session lives in: the same murmur2 hash Kafka's default partitioner applies to a
 * record key, so readers find a session without asking a producer.
 */
public final class SessionPartitioner {

    private SessionPartitioner() {}

    public static int partitionFor(String sessionId, int partitions) {
        return Utils.toPositive(Utils.murmur2(sessionId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }
}
