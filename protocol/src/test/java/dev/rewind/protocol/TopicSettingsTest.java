package dev.rewind.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rewind.protocol.config.ConfigException;
import org.junit.jupiter.api.Test;

class TopicSettingsTest {

    @Test
    void theAnalyticsTopicKeepsTheLatestValuePerKeyAndDeletesWhatIsOlderThanItsRetention() {
        TopicSettings settings = TopicSettings.singleBroker();
        assertThat(settings.configsFor(Topics.ANALYTICS))
                .containsEntry("cleanup.policy", "compact,delete")
                .containsEntry("retention.ms", Long.toString(7L * 24 * 3600 * 1000))
                .containsEntry("compression.type", "lz4")
                .containsEntry("message.timestamp.type", "CreateTime");
        assertThat(Topics.ALL).contains(Topics.ANALYTICS);
        assertThat(Topics.CO_PARTITIONED).doesNotContain(Topics.ANALYTICS);
    }

    @Test
    void refusesAnAnalyticsRetentionBelowAMinuteNamingTheKey() {
        TopicSettings d = TopicSettings.singleBroker();
        assertThatThrownBy(() -> new TopicSettings(d.partitions(), d.replicationFactor(), d.minInsyncReplicas(),
                d.compression(), d.maxMessageBytes(), d.requestsRetentionMs(), d.controlRetentionMs(),
                d.chunksRetentionMs(), d.tokensRetentionMs(), d.dlqRetentionMs(), 5))
                .isInstanceOf(ConfigException.class).hasMessageContaining("analytics_retention_ms");
    }
}
