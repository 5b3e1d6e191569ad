package dev.rewind.ingest.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.protocol.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Which start records run again on this worker, when, and when it gives up: on a clock the test moves. */
class RerunsTest {

    private static final long PAUSE_MS = 2_000;
    private final AtomicLong clock = new AtomicLong();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Reruns reruns = new Reruns(2, PAUSE_MS, clock::get, meters);
    private final List<ConsumerRecord<String, byte[]>> givenUp = new ArrayList<>();

    private static ConsumerRecord<String, byte[]> start(String session, int partition, long offset) {
        return new ConsumerRecord<>(Topics.REQUESTS, partition, offset, session, new byte[0]);
    }

    private List<ConsumerRecord<String, byte[]>> due() {
        return reruns.due(tp -> tp.partition() != 9, givenUp::add);
    }

    private void pass(long ms) {
        clock.addAndGet(Duration.ofMillis(ms).toNanos());
    }

    @Test
    void aDuplicateStartOfARunThatStoppedWithoutItsEndRunsAtOnce() {
        ConsumerRecord<String, byte[]> reread = start("s_a", 0, 7);
        reruns.duplicate(reread);
        assertThat(due()).containsExactly(reread);
        assertThat(due()).isEmpty();
    }

    @Test
    void aRunWhoseEndWasRefusedRunsAgainAfterAGrowingPauseThenIsGivenUp() {
        ConsumerRecord<String, byte[]> record = start("s_b", 0, 3);
        reruns.failedRun(record);
        assertThat(due()).isEmpty();
        pass(PAUSE_MS);
        assertThat(due()).containsExactly(record);

        reruns.failedRun(record);
        pass(PAUSE_MS);
        assertThat(due()).as("the second pause is twice as long").isEmpty();
        pass(PAUSE_MS);
        assertThat(due()).containsExactly(record);

        reruns.failedRun(record);
        assertThat(due()).isEmpty();
        assertThat(givenUp).containsExactly(record);
        assertThat(meters.get("rewind.ingest.sessions.given_up").counter().count()).isEqualTo(1);
    }

    @Test
    void aSessionWhoseEndReachedKafkaStartsCountingAgain() {
        ConsumerRecord<String, byte[]> record = start("s_c", 0, 1);
        for (int i = 0; i < 5; i++) {
            reruns.failedRun(record);
            pass(10 * PAUSE_MS);
            assertThat(due()).containsExactly(record);
            reruns.ended("s_c");
        }
        assertThat(givenUp).isEmpty();
    }

    @Test
    void recordsOfPartitionsThatMovedAwayAreTheNewOwnersToRun() {
        reruns.duplicate(start("s_d", 9, 1)); // partition 9 is not owned (see due())
        reruns.failedRun(start("s_e", 1, 1));
        reruns.forget(List.of(new TopicPartition(Topics.REQUESTS, 1)));
        pass(10 * PAUSE_MS);
        assertThat(due()).isEmpty();
    }
}
