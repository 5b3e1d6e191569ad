package dev.rewind.kafkatest;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;

/** One combined KRaft node in this JVM, from Kafka's own test kit (DESIGN §8): ready in about 2.5 s. */
public final class EmbeddedTestBroker implements KafkaBroker, AutoCloseable {

    private final KafkaClusterTestKit cluster;
    private final Admin admin;

    private EmbeddedTestBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
        this.admin = Admin.create(clientConfig());
    }

    public static EmbeddedTestBroker start() throws Exception {
        return new EmbeddedTestBroker(startCluster(true, 1, 1, 1));
    }

    /**
     * A test-kit cluster of {@code brokers} brokers and one KRaft controller ({@code combined}: the
     * controller runs in a broker node), its internal topics replicated {@code replicationFactor}
     * times with {@code minInsyncReplicas} in sync, formatted, started and ready; closed when that fails.
     */
    public static KafkaClusterTestKit startCluster(boolean combined, int brokers, int replicationFactor,
            int minInsyncReplicas) throws Exception {
        TestKitNodes nodes = new TestKitNodes.Builder()
                .setCombined(combined)
                .setNumBrokerNodes(brokers)
                .setNumControllerNodes(1)
                // the kit's default is the newest, unstable metadata version
                .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                .build();
        String replicas = String.valueOf(replicationFactor);
        String inSync = String.valueOf(minInsyncReplicas);
        // the internal topics' replication must fit the brokers, or transactions and groups never initialise
        KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(nodes)
                .setConfigProp("unstable.api.versions.enable", "false")
                .setConfigProp("unstable.feature.versions.enable", "false")
                .setConfigProp("offsets.topic.replication.factor", replicas)
                .setConfigProp("transaction.state.log.replication.factor", replicas)
                .setConfigProp("transaction.state.log.min.isr", inSync)
                .setConfigProp("share.coordinator.state.topic.replication.factor", replicas)
                .setConfigProp("min.insync.replicas", inSync)
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("auto.create.topics.enable", "false")
                .build();
        try {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return cluster;
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
    }

    @Override
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    @Override
    public Admin admin() {
        return admin;
    }

    @Override
    public String kind() {
        return "embedded";
    }

    @Override
    public void close() throws Exception {
        admin.close();
        cluster.close();
    }
}
