package dev.rewind.kafkatest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

@WithKafka
class SharedBrokerSecondClassTest {

    static final Set<String> seen = ConcurrentHashMap.newKeySet();

    @Test
    void seesTheSameBrokerAsTheOtherClass(KafkaBroker broker) {
        seen.add(broker.bootstrapServers());
        assertThat(seen).hasSize(1);
    }
}
