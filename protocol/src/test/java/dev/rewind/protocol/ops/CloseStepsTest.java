package dev.rewind.protocol.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CloseStepsTest {

    @Test
    void runsEveryStepAfterAFailureAndKeepsTheLaterFailuresAsSuppressed() {
        List<String> ran = new ArrayList<>();
        IllegalStateException first = new IllegalStateException("feed");
        assertThatThrownBy(() -> CloseSteps.run(
                () -> ran.add("reader"),
                () -> {
                    ran.add("feed");
                    throw first;
                },
                () -> {
                    ran.add("producer");
                    throw new IOException("producer");
                },
                null,
                () -> ran.add("store")))
                .isSameAs(first);
        assertThat(ran).containsExactly("reader", "feed", "producer", "store");
        assertThat(first.getSuppressed()).extracting(Throwable::getMessage).containsExactly("producer");
    }

    @Test
    void aCheckedFirstFailureIsRethrownWrappedWithItsCause() {
        IOException cause = new IOException("disk");
        assertThatThrownBy(() -> CloseSteps.run(() -> {
            throw cause;
        })).isInstanceOf(IllegalStateException.class).hasCause(cause);
    }

    @Test
    void afterAFailedStartTheUndoingStepsFailuresJoinTheCause() {
        RuntimeException cause = new RuntimeException("start failed");
        List<String> ran = new ArrayList<>();
        CloseSteps.afterFailure(cause, () -> {
            throw new IllegalStateException("hub");
        }, CloseSteps.closing(() -> ran.add("meters")), CloseSteps.closing(null));
        assertThat(ran).containsExactly("meters");
        assertThat(cause.getSuppressed()).extracting(Throwable::getMessage).containsExactly("hub");
    }
}
