package dev.rewind.processor.sse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The examples of the WHATWG HTML standard's "Server-sent events" section (§9.2.4–9.2.6), through
 * the line splitter and the parser, whole and split at every byte.
 */
class SseSpecExamplesTest {

    @Test
    void multipleDataLinesJoinWithLineFeeds() {
        assertThat(events("data: YHOO\ndata: +2\ndata: 10\n\n"))
                .containsExactly(new SseEvent("message", "YHOO\n+2\n10", ""));
    }

    @Test
    void idIsKeptAcrossEventsUntilAnEmptyIdResetsItAndOnlyOneLeadingSpaceIsDropped() {
        assertThat(events(": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n"))
                .containsExactly(new SseEvent("message", "first event", "1"), new SseEvent("message", "second event", ""),
                        new SseEvent("message", " third event", ""));
    }

    @Test
    void emptyDataFieldsDispatchEmptyAndNewlineEventsAndAnUnterminatedLastEventIsNotDispatched() {
        assertThat(events("data\n\ndata\ndata\n\ndata:"))
                .containsExactly(new SseEvent("message", "", ""), new SseEvent("message", "\n", ""));
    }

    @Test
    void aSpaceAfterTheColonIsOptional() {
        assertThat(events("data:test\n\ndata: test\n\n"))
                .containsExactly(new SseEvent("message", "test", ""), new SseEvent("message", "test", ""));
    }

    @Test
    void eventFieldsNameTheTypeOfTheirEventOnly() {
        assertThat(events("event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\ndata: plain\n\n"))
                .containsExactly(new SseEvent("add", "73857293", ""), new SseEvent("remove", "2153", ""),
                        new SseEvent("add", "113411", ""), new SseEvent("message", "plain", ""));
    }

    @Test
    void anIdContainingNulIsIgnoredAndRetryAndUnknownFieldsChangeNoEvent() {
        assertThat(events("id: 7\n\nid: a\u0000b\nretry: 1000\nretry: soon\nfoo: bar\ndata: x\n\n"))
                .containsExactly(new SseEvent("message", "x", "7"));
    }

    @Test
    void fieldNamesAreCaseSensitive() {
        assertThat(events("Data: ignored\nDATA: ignored\n\ndata: kept\n\n")).containsExactly(new SseEvent("message", "kept", ""));
    }

    @Test
    void anEventWithoutDataIsNotDispatchedAndItsTypeDoesNotLeakIntoTheNext() {
        assertThat(events("event: lonely\n\ndata: next\n\n")).containsExactly(new SseEvent("message", "next", ""));
    }

    @Test
    void linesEndAtCrLfAtLfAndAtALoneCr() {
        assertThat(events("data: a\r\n\r\ndata: b\n\ndata: c\r\rdata: d\r\n\n"))
                .containsExactly(new SseEvent("message", "a", ""), new SseEvent("message", "b", ""),
                        new SseEvent("message", "c", ""), new SseEvent("message", "d", ""));
    }

    /** The events of {@code stream}, checked to be the same for every split into two reads. */
    private static List<SseEvent> events(String stream) {
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        List<SseEvent> whole = parse(List.of(bytes));
        for (int cut = 1; cut < bytes.length; cut++) {
            assertThat(parse(List.of(Arrays.copyOfRange(bytes, 0, cut), Arrays.copyOfRange(bytes, cut, bytes.length))))
                    .as("split at byte %d", cut).isEqualTo(whole);
        }
        return whole;
    }

    /** Lines and events as the WHATWG rules give them: what is pending at the end is not dispatched. */
    private static List<SseEvent> parse(List<byte[]> reads) {
        LineSplitter lines = new LineSplitter();
        SseParser parser = new SseParser();
        List<SseEvent> events = new ArrayList<>();
        java.util.function.Consumer<Line> toParser = line -> parser.line(((Line.Text) line).text()).ifPresent(events::add);
        reads.forEach(read -> lines.feed(read, 1 << 16, toParser));
        lines.end(toParser);
        return events;
    }
}
