package dev.rewind.kafkatest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.protocol.TopicProvisioner;
import dev.rewind.protocol.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

@WithKafka
class KafkaBrokerExtensionTest {


    @Test
    void choosesTheEmbeddedBrokerWithoutDockerUnlessForced(KafkaBroker broker) {
        String forced = System.getProperty(KafkaBrokerExtension.CHOICE_PROPERTY, "auto");
        if (!forced.equals("testcontainers") && !org.testcontainers.DockerClientFactory.instance().isDockerAvailable()) {
            assertThat(broker.kind()).isEqualTo("embedded");
        }
        assertThat(broker.bootstrapServers()).isNotBlank();
    }

    @Test
    void createsRewindTopicsWithEqualPartitionCountsAndTheirConfigs(KafkaBroker broker) throws Exception {
        TopicProvisioner.Layout layout = broker.ensureRewindTopics();
        assertThat(layout.partitions()).isEqualTo(3);
        Map<String, TopicDescription> topics =
                broker.admin().describeTopics(Topics.ALL).allTopicNames().get(30, TimeUnit.SECONDS);
        assertThat(topics.keySet()).containsExactlyInAnyOrderElementsOf(Topics.ALL);
        for (String topic : Topics.CO_PARTITIONED) {
            assertThat(topics.get(topic).partitions()).hasSize(3);
        }
        ConfigResource sessions = new ConfigResource(ConfigResource.Type.TOPIC, Topics.SESSIONS);
        Config config = broker.admin().describeConfigs(Set.of(sessions)).all().get(30, TimeUnit.SECONDS).get(sessions);
        assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
        ConfigResource tokens = new ConfigResource(ConfigResource.Type.TOPIC, Topics.TOKENS);
        Config tokensConfig = broker.admin().describeConfigs(Set.of(tokens)).all().get(30, TimeUnit.SECONDS).get(tokens);
        assertThat(tokensConfig.get("compression.type").value()).isEqualTo("lz4");
        // provisioning again is harmless: the services all run it at startup
        assertThat(broker.ensureRewindTopics().partitions()).isEqualTo(3);
    }

    @Test
    void transactionsCommitOnASingleBrokerAndReadCommittedConsumersSeeThem(KafkaBroker broker) {
        String topic = broker.createTopic("tx", 1);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                "bootstrap.servers", broker.bootstrapServers(),
                "transactional.id", "kafka-test-" + UUID.randomUUID()), new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "committed"));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "aborted"));
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "after"));
            producer.commitTransaction();
        }
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", broker.bootstrapServers(),
                "group.id", "kafka-test-" + UUID.randomUUID(),
                "auto.offset.reset", "earliest",
                "isolation.level", "read_committed"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(r.value());
                }
                return seen.size() >= 2;
            });
        }
        assertThat(seen).containsExactly("committed", "after");
    }

    @Test
    void everyTestClassOfTheRunSharesOneBroker(KafkaBroker broker) {
        SharedBrokerSecondClassTest.seen.add(broker.bootstrapServers());
        assertThat(SharedBrokerSecondClassTest.seen).hasSize(1);
    }
}
