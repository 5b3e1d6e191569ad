package dev.rewind.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rewind.protocol.ChunkRecord;
import dev.rewind.protocol.Serdes;
import dev.rewind.protocol.config.ConfigException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class IngestConfigTest {

    @Test
    void aLingerWithTheDefaultDeliveryTimeoutStartsTheChunkProducer() {
        for (int linger : new int[] {0, 5, 1000}) {
            IngestConfig config = TestSetup.ingestConfig("producer_linger_ms: " + linger);
            // no broker needed: KafkaProducer checks delivery.timeout.ms >= linger.ms + request.timeout.ms in its constructor
            try (KafkaProducer<String, ChunkRecord> producer = new KafkaProducer<>(
                    config.kafka().clientConfig(IngestService.producerDefaults(config)), new StringSerializer(), Serdes.CHUNK)) {
                assertThat(producer).isNotNull();
            }
            assertThat(config.producerRequestTimeoutMs() + linger).isLessThanOrEqualTo((int) config.producerDeliveryTimeoutMs());
        }
    }

    @Test
    void aDeliveryTimeoutThatCannotCoverTheLingerNamesBothKeys() {
        assertThatThrownBy(() -> TestSetup.ingestConfig("{producer_linger_ms: 1000, producer_delivery_timeout_ms: 1500}"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("producer_delivery_timeout_ms")
                .hasMessageContaining("producer_linger_ms");
    }

    @Test
    void theDefaultLingerBatchesChunkWrites() {
        assertThat(TestSetup.ingestConfig("{}").producerLingerMs()).isPositive();
    }

    @Test
    void tracingIsOffByDefaultAndABadEndpointIsRefusedByItsFullKey() {
        IngestConfig defaults = TestSetup.ingestConfig("{}");
        assertThat(defaults.telemetry().endpoint()).isEmpty();
        assertThat(defaults.telemetry().captureContent()).isFalse();
        assertThat(TestSetup.ingestConfig("{telemetry: {endpoint: \"http://collector:4318\", capture_content: true}}")
                .telemetry().captureContent()).isTrue();
        assertThatThrownBy(() -> TestSetup.ingestConfig("{telemetry: {endpoint: \"collector:4318\"}}"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("telemetry.endpoint");
        assertThatThrownBy(() -> TestSetup.ingestConfig("{telemetry: {sample_rate: 1}}"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("telemetry.sample_rate");
    }
}
