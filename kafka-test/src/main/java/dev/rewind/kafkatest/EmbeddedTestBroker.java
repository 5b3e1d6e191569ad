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
        TestKitNodes nodes = new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                // the kit's default is the newest, unstable metadata version
                .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                .build();
        KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(nodes)
                .setConfigProp("unstable.api.versions.enable", "false")
                .setConfigProp("unstable.feature.versions.enable", "false")
                // one broker: without these, transactions and groups never initialise
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("auto.create.topics.enable", "false")
                .build();
        return new EmbeddedTestBroker(started(cluster));
    }

    /** Formats and starts a test-kit cluster and waits for its brokers; closes it when that fails. */
    public static KafkaClusterTestKit started(KafkaClusterTestKit cluster) throws Exception {
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
