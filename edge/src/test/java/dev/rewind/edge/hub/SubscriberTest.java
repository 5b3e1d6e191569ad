package dev.rewind.edge.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rewind.protocol.EventId;
import dev.rewind.protocol.TokenEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-connection queue: bounded by events and bytes, emptied when it overflows, drained before a shutdown ends it. */
class SubscriberTest {

    private static Delivery delivery(long offset, String text) {
        return new Delivery(new EventId(0, offset, offset + 1), new TokenEvent.Token("s", offset + 1, text), "{\"text\":\"" + text + "\"}");
    }

    @Test
    void anOfferThatDoesNotFitEmptiesTheQueueAndEndsTheSubscription() throws Exception {
        Subscriber subscriber = new Subscriber("s", 3, 1_000_000);
        for (int i = 0; i < 3; i++) {
            assertThat(subscriber.offer(delivery(i, "t"))).isEqualTo(Subscriber.Offer.QUEUED);
        }
        assertThat(subscriber.offer(delivery(3, "t"))).isEqualTo(Subscriber.Offer.OVERFLOWED);
        assertThat(subscriber.offer(delivery(4, "t"))).isEqualTo(Subscriber.Offer.ENDED);
        List<Delivery> drained = new ArrayList<>();
        assertThat(subscriber.drainTo(drained, 0)).isEqualTo(Subscriber.Ending.OVERFLOW);
        assertThat(drained).isEmpty();
    }

    @Test
    void theByteBoundCutsBeforeTheCountBound() {
        Subscriber subscriber = new Subscriber("s", 1000, 400);
        assertThat(subscriber.offer(delivery(0, "x".repeat(100)))).isEqualTo(Subscriber.Offer.QUEUED);
        assertThat(subscriber.offer(delivery(1, "x".repeat(300)))).isEqualTo(Subscriber.Offer.OVERFLOWED);
    }

    @Test
    void aShutdownDeliversWhatIsQueuedThenEnds() throws Exception {
        Subscriber subscriber = new Subscriber("s", 10, 1_000_000);
        subscriber.offer(delivery(0, "a"));
        subscriber.offer(delivery(1, "b"));
        subscriber.end(Subscriber.Ending.SHUTDOWN);
        List<Delivery> drained = new ArrayList<>();
        assertThat(subscriber.drainTo(drained, 0)).isNull();
        assertThat(drained).extracting(Delivery::offset).containsExactly(0L, 1L);
        assertThat(subscriber.drainTo(new ArrayList<>(), 0)).isEqualTo(Subscriber.Ending.SHUTDOWN);
    }
}
