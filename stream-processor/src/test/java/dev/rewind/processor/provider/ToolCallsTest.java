package dev.rewind.processor.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.NullNode;
import dev.rewind.protocol.Json;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ToolCallsTest {

    private final ToolCalls calls = new ToolCalls();
    private final List<Extracted> out = new ArrayList<>();

    @Test
    void snapshotsAtMostOncePerKibOfNewArgumentsAndAlwaysOnTheFinalEvent() {
        ToolCalls.Call call = calls.open("0", 0, "call_1", "write_file");
        calls.delta(call, "{\"path\": \"a.txt\", \"content\": \"", out::add);
        for (int i = 0; i < 300; i++) {
            calls.delta(call, "0123456789", out::add); // 3,000 bytes in 10-byte fragments
        }
        calls.delta(call, "\"}", out::add);
        calls.finish(out::add);

        List<Extracted.ToolCallDelta> deltas = out.stream().filter(Extracted.ToolCallDelta.class::isInstance)
                .map(Extracted.ToolCallDelta.class::cast).toList();
        List<Integer> snapshotAt = new ArrayList<>();
        int bytes = 0;
        for (Extracted.ToolCallDelta delta : deltas) {
            bytes += delta.argumentsDelta().length();
            if (delta.arguments() != null) {
                snapshotAt.add(bytes);
                assertThat(delta.arguments().get("path").asText()).isEqualTo("a.txt");
                assertThat(delta.arguments().get("content").asText()).hasSize(bytes - "{\"path\": \"a.txt\", \"content\": \"".length());
            }
        }
        assertThat(snapshotAt).hasSize(2);
        assertThat(snapshotAt.get(0)).isGreaterThanOrEqualTo(1024);
        assertThat(snapshotAt.get(1) - snapshotAt.get(0)).isGreaterThanOrEqualTo(1024);
        Extracted.ToolCallFinal last = (Extracted.ToolCallFinal) out.getLast();
        assertThat(last.valid()).isTrue();
        assertThat(last.arguments().get("content").asText()).hasSize(3000);
    }

    @Test
    void countsSnapshotBytesInUtf8() {
        ToolCalls.Call call = calls.open("0", 0, "c", "f");
        calls.delta(call, "{\"s\": \"", out::add);
        for (int i = 0; i < 340; i++) {
            calls.delta(call, "日", out::add); // 3 bytes each: the KiB is reached after 340 characters, not 1,024
        }
        assertThat(out).filteredOn(e -> ((Extracted.ToolCallDelta) e).arguments() != null).hasSize(1);
    }

    @Test
    void aFinalEventWithInvalidArgumentsCarriesTheRepairAndIsMarkedInvalid() {
        calls.delta(calls.open("0", 0, "c", "f"), "{\"city\": \"Par", out::add);
        calls.delta(calls.open("1", 1, "d", "g"), "not json", out::add);
        calls.delta(calls.open("2", 2, "e", "h"), "", out::add);
        calls.finish(out::add);
        List<Extracted.ToolCallFinal> finals = out.stream().filter(Extracted.ToolCallFinal.class::isInstance)
                .map(Extracted.ToolCallFinal.class::cast).toList();
        assertThat(finals).extracting(Extracted.ToolCallFinal::valid).containsExactly(false, false, true);
        assertThat(finals.get(0).arguments()).isEqualTo(Json.MAPPER.createObjectNode().put("city", "Par"));
        assertThat(finals.get(1).arguments()).isEqualTo(NullNode.getInstance());
        assertThat(finals.get(2).arguments()).isEqualTo(Json.MAPPER.createObjectNode());
    }

    @Test
    void aWholeCallIsOneFragmentAndItsFinalAtOnceAndIsNotFinishedTwice() {
        calls.whole("c0", null, "id", "f", Json.MAPPER.createObjectNode().put("a", 1), out::add);
        calls.finish(out::add);
        assertThat(out).hasSize(2);
        assertThat(out.get(0)).isEqualTo(new Extracted.ToolCallDelta(0, null, "id", "f", "{\"a\":1}", null));
        assertThat(out.get(1)).isEqualTo(new Extracted.ToolCallFinal(0, null, "id", "f",
                Json.MAPPER.createObjectNode().put("a", 1), true));
    }
}
