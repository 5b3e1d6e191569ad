package dev.rewind.edge.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The SSE writer puts a wake-up's frames on the socket in one write and one flush, bounded, byte-exact. */
class SseWriterTest {

    /** Counts the writes and flushes the socket would see. */
    private static final class CountingStream extends ByteArrayOutputStream {
        int writes;
        int flushes;

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) {
            writes++;
            super.write(bytes, offset, length);
        }

        @Override
        public synchronized void write(int b) {
            writes++;
            super.write(b);
        }

        @Override
        public void flush() {
            flushes++;
        }
    }

    @Test
    void framesOfOneWakeUpGoOutInOneWriteAndOneFlush() throws Exception {
        CountingStream out = new CountingStream();
        SseWriter sse = new SseWriter(out);
        sse.retry(2000);
        sse.event("0-1-1", "start", "{\"seq\":1}");
        sse.event("0-2-2", "token", "{\"text\":\"h\u00e9llo \uD83D\uDE00\"}");
        sse.data("[DONE]");
        sse.comment("ping");
        assertThat(out.writes).isZero();
        sse.flush();

        assertThat(out.writes).isEqualTo(1);
        assertThat(out.flushes).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("retry: 2000\n\n"
                + "id: 0-1-1\nevent: start\ndata: {\"seq\":1}\n\n"
                + "id: 0-2-2\nevent: token\ndata: {\"text\":\"h\u00e9llo \uD83D\uDE00\"}\n\n"
                + "data: [DONE]\n\n"
                + ": ping\n\n");
    }

    @Test
    void aLargeBatchIsWrittenInBoundedPartsButFlushedOnce() throws Exception {
        CountingStream out = new CountingStream();
        SseWriter sse = new SseWriter(out);
        String data = "{\"text\":\"" + "x".repeat(1000) + "\"}";
        for (int i = 0; i < 200; i++) {
            sse.event("0-" + i + "-" + i, "token", data);
        }
        sse.flush();
        // about 200 KB: a few 64 KiB parts, never one write per event
        assertThat(out.writes).isBetween(2, 5);
        assertThat(out.flushes).isEqualTo(1);
        assertThat(out.size()).isGreaterThan(200 * 1000);
    }

    @Test
    void refusesDataThatWouldBreakTheFrame() {
        SseWriter sse = new SseWriter(new CountingStream());
        assertThatThrownBy(() -> sse.event("0-1-1", "token", "a\nb")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sse.data("a\rb")).isInstanceOf(IllegalArgumentException.class);
    }
}
