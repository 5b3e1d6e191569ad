package dev.rewind.edge.durablestream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rewind.edge.hub.Delivery;
import dev.rewind.protocol.EventId;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.TokenEvent;
import org.junit.jupiter.api.Test;

/** Where a read starts and what it keeps, without I/O: the offset checks, retention (410) and the tail. */
class ReadProgressTest {

    private static final String S = "s_AAAAAAAAAAAAAAAAAAAAAA";

    @Test
    void aReadFromAnOffsetKeepsOnlyTheEventsAfterIt() throws Exception {
        ReadProgress progress = new ReadProgress(MessageDialect.EVENTS.renderer(S), new StreamOffset(11, 2), false);
        progress.accept(token(10, 1));
        progress.accept(token(11, 2));
        progress.accept(token(14, 3));
        progress.caughtUp();
        assertThat(progress.take()).singleElement().satisfies(m -> assertThat(m).contains("\"seq\":3"));
        assertThat(progress.position().token()).isEqualTo("0000000000000000014_0000000000000000003");
    }

    @Test
    void eventsAfterTheOffsetDeletedByRetentionAreGone() {
        ReadProgress fromStart = new ReadProgress(MessageDialect.EVENTS.renderer(S), StreamOffset.START, false);
        assertThatThrownBy(() -> fromStart.accept(token(50, 4))).isInstanceOf(ReadProgress.GoneException.class);
        ReadProgress fromOffset = new ReadProgress(MessageDialect.EVENTS.renderer(S), new StreamOffset(11, 2), false);
        assertThatThrownBy(() -> fromOffset.accept(token(50, 4))).isInstanceOf(ReadProgress.GoneException.class);
    }

    @Test
    void onlyTheOffsetsOwnEventGoneLosesNothing() throws Exception {
        ReadProgress progress = new ReadProgress(MessageDialect.EVENTS.renderer(S), new StreamOffset(11, 2), false);
        progress.accept(token(14, 3));
        assertThat(progress.take()).hasSize(1);
    }

    @Test
    void anOffsetThatNamesNoEventOfTheStreamIsRefused() throws Exception {
        ReadProgress wrongSeq = new ReadProgress(MessageDialect.EVENTS.renderer(S), new StreamOffset(11, 5), false);
        wrongSeq.accept(token(10, 1));
        assertThatThrownBy(() -> wrongSeq.accept(token(11, 2))).isInstanceOf(ReadProgress.BadOffsetException.class);
        ReadProgress pastTheEnd = new ReadProgress(MessageDialect.EVENTS.renderer(S), new StreamOffset(99, 3), false);
        pastTheEnd.accept(token(10, 1));
        pastTheEnd.accept(token(11, 2));
        assertThatThrownBy(pastTheEnd::caughtUp).isInstanceOf(ReadProgress.BadOffsetException.class);
    }

    @Test
    void aReadOfTheTailKeepsNothingBeforeItAndEverythingAfter() throws Exception {
        ReadProgress progress = new ReadProgress(MessageDialect.EVENTS.renderer(S), StreamOffset.START, true);
        progress.accept(token(10, 5));
        progress.caughtUp();
        assertThat(progress.hasMessages()).isFalse();
        progress.accept(token(12, 6));
        assertThat(progress.take()).hasSize(1);
    }

    private static Delivery token(long offset, long seq) {
        TokenEvent event = new TokenEvent.Token(S, seq, "t" + seq);
        return new Delivery(new EventId(0, offset, seq), event, Json.toString(event));
    }
}
