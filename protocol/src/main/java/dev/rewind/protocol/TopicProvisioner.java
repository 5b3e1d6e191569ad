package dev.rewind.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates Rewind's topics when they are missing and checks the layout the services rely on: every
 * service runs this at startup, and so do the tests.
 */
public final class TopicProvisioner {

    private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);
    private static final long TIMEOUT_S = 30;

    private TopicProvisioner() {}

    /** The layout found (or created): the partition count shared by requests, chunks and tokens. */
    public record Layout(int partitions) {}

    public static Layout ensure(Admin admin, TopicSettings settings) {
        try {
            Set<String> existing = admin.listTopics().names().get(TIMEOUT_S, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String topic : Topics.ALL) {
                if (!existing.contains(topic)) {
                    missing.add(new NewTopic(topic, settings.partitions(), settings.replicationFactor())
                            .configs(settings.configsFor(topic)));
                }
            }
            for (NewTopic topic : missing) {
                try {
                    admin.createTopics(List.of(topic)).all().get(TIMEOUT_S, TimeUnit.SECONDS);
                    LOG.info("created topic {} ({} partitions, replication {})",
                            topic.name(), topic.numPartitions(), topic.replicationFactor());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            return checkLayoutOfNewTopics(admin);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while provisioning topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot provision Rewind's topics: " + e.getMessage(), e);
        }
    }

    /**
     * Topics just created (by this call or another service's) may not be in every broker's metadata
     * yet: describing them can answer "does not host this topic-partition" for a moment, so that is
     * retried, bounded by the timeout.
     */
    private static Layout checkLayoutOfNewTopics(Admin admin) throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (true) {
            try {
                return checkLayout(admin);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
        }
    }

    /** Fails unless requests, chunks and tokens have the same partition count. */
    public static Layout checkLayout(Admin admin)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, TopicDescription> described =
                admin.describeTopics(Topics.CO_PARTITIONED).allTopicNames().get(TIMEOUT_S, TimeUnit.SECONDS);
        Map<String, Integer> counts = described.values().stream()
                .collect(Collectors.toMap(TopicDescription::name, d -> d.partitions().size()));
        return checkCounts(counts);
    }

    static Layout checkCounts(Map<String, Integer> counts) {
        Set<Integer> distinct = Set.copyOf(counts.values());
        if (distinct.size() != 1) {
            throw new IllegalStateException("topics " + Topics.CO_PARTITIONED
                    + " must have the same partition count, but have " + new java.util.TreeMap<>(counts)
                    + "; the processor reads a session's requests and chunks together, so fix the topics"
                    + " before starting (never add partitions to rewind.tokens once sessions exist)");
        }
        return new Layout(distinct.iterator().next());
    }
}
