package dev.rewind.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** bin/run's training run for the JVM's AOT cache drives real sessions through the whole stack, cut and resumed. */
class AotTrainingTest {

    @Test
    void theTrainingRunStreamsEverySessionToItsEndThroughTheStack() throws Exception {
        assertThat(AotTraining.run(12)).isEqualTo(12);
    }
}
