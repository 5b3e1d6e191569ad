package dev.rewind.kafkatest;

import dev.rewind.protocol.TopicProvisioner;
import dev.rewind.protocol.TopicSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.awaitility.Awaitility;

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
            // a producer that writes the moment the topic exists can meet NOT_LEADER_OR_FOLLOWER while
            // leadership is still being applied, and a retried first batch has left it stuck in
            // OutOfOrderSequence: return once every partition has its leader
            Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                    admin().describeTopics(List.of(name)).allTopicNames().get(5, TimeUnit.SECONDS).get(name).partitions()
                            .stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty() && !p.isr().isEmpty()));
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
