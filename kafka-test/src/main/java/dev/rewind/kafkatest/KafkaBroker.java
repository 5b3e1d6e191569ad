package dev.rewind.kafkatest;

import dev.rewind.protocol.TopicProvisioner;
import dev.rewind.protocol.TopicSettings;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/** A running broker for tests: where it is, an admin client, and Rewind's topics created by the services' own code. */
public interface KafkaBroker {

    /** The settings tests use unless they need others: one broker, three partitions. */
    TopicSettings TEST_TOPICS = TopicSettings.singleBroker().withPartitions(3);

    String bootstrapServers();

    /** A shared admin client, closed with the broker. */
    Admin admin();

    /** {@code embedded} (Kafka's in-JVM KRaft test kit) or {@code testcontainers}. */
    String kind();

    /** Creates Rewind's topics when missing with {@link TopicProvisioner#ensure}, the code every service runs at startup. */
    default TopicProvisioner.Layout ensureRewindTopics(TopicSettings settings) {
        return TopicProvisioner.ensure(admin(), settings);
    }

    default TopicProvisioner.Layout ensureRewindTopics() {
        return ensureRewindTopics(TEST_TOPICS);
    }

    /** Creates a topic with a unique name, for a test that wants one to itself. */
    default String createTopic(String prefix, int partitions) {
        String name = prefix + "-" + UUID.randomUUID();
        try {
            admin().createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topic " + name, e);
        }
        return name;
    }

    /** Client properties that reach this broker. */
    default Map<String, Object> clientConfig() {
        return Map.of("bootstrap.servers", bootstrapServers());
    }
}
