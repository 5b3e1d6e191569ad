package dev.rewind.chaos;

import dev.rewind.kafkatest.EmbeddedTestBroker;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.test.KafkaClusterTestKit;

/**
 * Three brokers and one separate KRaft controller in the test JVM, from Kafka's own test kit: the
 * fail-over layout of DESIGN §8 (combined nodes hang when one broker stops). Internal topics are
 * replicated three times with two in sync, like Rewind's own topics here.
 */
final class ReplicatedCluster implements AutoCloseable {

    static final int BROKERS = 3;

    private final KafkaClusterTestKit cluster;
    private final Admin admin;

    private ReplicatedCluster(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
        this.admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()));
    }

    static ReplicatedCluster start() throws Exception {
        return new ReplicatedCluster(EmbeddedTestBroker.startCluster(false, BROKERS, 3, 2));
    }

    String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    Admin admin() {
        return admin;
    }

    /** The ids of the broker nodes (the controller is not among them). */
    java.util.List<Integer> brokerIds() {
        return cluster.brokers().keySet().stream().sorted().toList();
    }

    /** Stops one broker as an orderly shutdown would (its leaderships move to the others). */
    void stopBroker(int id) {
        var broker = cluster.brokers().get(id);
        broker.shutdown();
        broker.awaitShutdown();
    }

    /** Starts a stopped broker again, on its old ports and log directories. */
    void startBroker(int id) {
        cluster.brokers().get(id).startup();
    }

    @Override
    public void close() throws Exception {
        admin.close();
        cluster.close();
    }
}
