package dev.rewind.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class EventIdTest {

    @Test
    void formatsAsPartitionOffsetSeq() {
        assertThat(new EventId(2, 18733, 12)).hasToString("2-18733-12");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0-0-0", "2-18733-12", "999999999-999999999999999999-999999999999999999"})
    void parsesWhatItFormats(String text) {
        EventId id = EventId.parse(text);
        assertThat(id).hasToString(text);
        assertThat(EventId.parse(id.toString())).isEqualTo(id);
    }

    @Test
    void parsesEachPart() {
        EventId id = EventId.parse("5-9007199254740993-41");
        assertThat(id.partition()).isEqualTo(5);
        assertThat(id.offset()).isEqualTo(9_007_199_254_740_993L);
        assertThat(id.seq()).isEqualTo(41);
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {
        "", "abc", "1-2", "1-2-3-4", "-1-2-3", "1--2-3", "1-2--3", "1-2-x", "1.0-2-3", " 1-2-3", "1-2-3\n", "+1-2-3",
        "1234567890-1-1", "1-1234567890123456789-1", "1-1-1234567890123456789", "\u0661-\u0662-\u0663"})
    void refusesAnythingElse(String text) {
        assertThatThrownBy(() -> EventId.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("event id");
    }

    @Test
    void refusesNegativeParts() {
        assertThatThrownBy(() -> new EventId(-1, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EventId(0, -1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EventId(0, 0, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
