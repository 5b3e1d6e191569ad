package dev.rewind.kafkatest;

import org.apache.kafka.clients.admin.Admin;
import org.testcontainers.kafka.KafkaContainer;

/** The official Apache Kafka image through Testcontainers, for machines with Docker (CI). */
final class ContainerTestBroker implements KafkaBroker, AutoCloseable {

    static final String IMAGE = "apache/kafka:4.3.1";

    private final KafkaContainer container;
    private final Admin admin;

    private ContainerTestBroker(KafkaContainer container) {
        this.container = container;
        this.admin = Admin.create(clientConfig());
    }

    @SuppressWarnings("resource")
    static ContainerTestBroker start() {
        KafkaContainer container = new KafkaContainer(IMAGE)
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false");
        container.start();
        return new ContainerTestBroker(container);
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public Admin admin() {
        return admin;
    }

    @Override
    public String kind() {
        return "testcontainers";
    }

    @Override
    public void close() {
        admin.close();
        container.stop();
    }
}
