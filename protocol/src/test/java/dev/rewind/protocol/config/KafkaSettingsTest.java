package dev.rewind.protocol.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rewind.protocol.TopicSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kafka.properties} is how SSL and SASL reach Kafka: from the config file or one environment variable,
 * into every client config a component builds with {@link KafkaSettings#clientConfig}, and on to the client.
 */
class KafkaSettingsTest {

    record Component(KafkaSettings kafka, TopicSettings topics) {}

    private static final String JAAS =
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"rewind\" password=\"s3cret\";";

    @TempDir
    Path dir;

    @Test
    void securityPropertiesFromTheFileReachTheClientConfigAndWinOverRewindsDefaults() throws Exception {
        Path file = Files.writeString(dir.resolve("service.yaml"), """
                kafka:
                  bootstrap_servers: b1:9093,b2:9093,b3:9093
                  properties:
                    security.protocol: SASL_SSL
                    sasl.mechanism: SCRAM-SHA-512
                    sasl.jaas.config: '%s'
                    ssl.truststore.location: /etc/rewind/kafka-ca.p12
                    ssl.truststore.type: PKCS12
                    client.id: operator-chosen
                """.formatted(JAAS));
        Component component = ConfigLoader.load(Component.class, file, Map.of(), ConfigLoader.KAFKA_DEFAULTS);

        Map<String, Object> client = component.kafka().clientConfig(Map.of("client.id", "rewind-default", "acks", "all"));

        assertThat(client)
                .containsEntry(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "b1:9093,b2:9093,b3:9093")
                .containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL")
                .containsEntry(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512")
                .containsEntry(SaslConfigs.SASL_JAAS_CONFIG, JAAS)
                .containsEntry(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, "/etc/rewind/kafka-ca.p12")
                .containsEntry("acks", "all")
                // the operator's properties are applied last
                .containsEntry("client.id", "operator-chosen");
    }

    @Test
    void oneEnvironmentVariableCarriesTheWholeSection() {
        Component component = ConfigLoader.load(Component.class, (Path) null, Map.of("REWIND_KAFKA_PROPERTIES",
                "{security.protocol: SSL, ssl.keystore.location: /etc/rewind/client.p12, ssl.keystore.type: PKCS12}"),
                ConfigLoader.KAFKA_DEFAULTS);

        assertThat(component.kafka().clientConfig(Map.of()))
                .containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL")
                .containsEntry(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, "/etc/rewind/client.p12");
    }

    @Test
    void theKafkaClientBuildsItsSaslChannelFromThoseProperties() {
        // a closed loopback port: constructing the producer sets up its security channel without needing a broker
        Map<String, String> properties = Map.of(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
                SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512", SaslConfigs.SASL_JAAS_CONFIG, JAAS);
        Map<String, Object> sasl = new KafkaSettings("127.0.0.1:1", properties)
                .clientConfig(Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1000));
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(sasl, new StringSerializer(), new StringSerializer())) {
            assertThat(producer.metrics()).isNotEmpty();
            producer.close(Duration.ZERO);
        }

        // the same client refuses a JAAS entry it cannot parse: the property really is what the client reads
        Map<String, String> brokenProperties = new HashMap<>(properties);
        brokenProperties.put(SaslConfigs.SASL_JAAS_CONFIG, "not a jaas entry");
        Map<String, Object> broken = new KafkaSettings("127.0.0.1:1", brokenProperties).clientConfig(Map.of());
        assertThatThrownBy(() -> new KafkaProducer<>(broken, new StringSerializer(), new StringSerializer()).close())
                .isInstanceOf(KafkaException.class)
                .rootCause().isInstanceOf(IllegalArgumentException.class).hasMessageContaining("JAAS");
    }

    @Test
    void aSecretCanStayInAMountedFileThroughKafkasConfigProviders() throws Exception {
        Path secrets = Files.createDirectories(dir.resolve("secrets"));
        Files.writeString(secrets.resolve("kafka-password"), "from-the-file");
        Map<String, String> properties = Map.of(
                "config.providers", "dir",
                "config.providers.dir.class", "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL",
                SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512",
                SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required "
                        + "username=\"rewind\" password=\"${dir:" + secrets + ":kafka-password}\";");

        ProducerConfig resolved = new ProducerConfig(new KafkaSettings("127.0.0.1:1", properties).clientConfig(Map.of(
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class)));

        assertThat(resolved.getPassword(SaslConfigs.SASL_JAAS_CONFIG).value()).contains("password=\"from-the-file\"");
    }
}
