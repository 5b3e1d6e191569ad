package dev.rewind.edge.stream;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes SSE frames into one buffer and puts it on the socket in one write and one flush per
 * {@link #flush}, so a wake-up that drained ten queued events costs one write, not ten. Hand-written
 * because Helidon 4.2.0's SseSink cannot write comments or {@code retry:} and writes data with
 * newlines raw (DESIGN §9). Data given here is single-line JSON; a line break in it is refused
 * rather than allowed to corrupt the stream.
 */
public final class SseWriter {

    /** A batch larger than this goes out in parts (still one flush): the buffer stays bounded. */
    private static final int SPILL_BYTES = 64 * 1024;
    /** An idle connection keeps no larger buffer: 15,000 idle streams must not each hold a big one. */
    private static final int KEEP_BYTES = 2 * 1024;
    private static final byte[] NONE = new byte[0];

    private final OutputStream out;
    private byte[] buffer = NONE;
    private int length;

    public SseWriter(OutputStream out) {
        this.out = out;
    }

    public void event(String id, String name, String data) throws IOException {
        requireSingleLine(data);
        if (id != null) {
            text("id: ");
            text(id);
            text("\n");
        }
        text("event: ");
        text(name);
        text("\ndata: ");
        text(data);
        text("\n\n");
        spillWhenLarge();
    }

    /** A frame of {@code data:} only, as the OpenAI and AI SDK dialects send (their clients ignore ids and names). */
    public void data(String data) throws IOException {
        requireSingleLine(data);
        text("data: ");
        text(data);
        text("\n\n");
        spillWhenLarge();
    }

    public void retry(long millis) {
        text("retry: " + millis + "\n\n");
    }

    public void comment(String text) {
        text(": ");
        text(text);
        text("\n\n");
    }

    /** Writes everything buffered since the last flush in one write, then flushes the socket. */
    public void flush() throws IOException {
        writeBuffered();
        if (buffer.length > KEEP_BYTES) {
            buffer = NONE;
        }
        out.flush();
    }

    private static void requireSingleLine(String data) {
        if (data.indexOf('\n') >= 0 || data.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("SSE data must be a single line");
        }
    }

    private void spillWhenLarge() throws IOException {
        if (length >= SPILL_BYTES) {
            writeBuffered();
        }
    }

    private void writeBuffered() throws IOException {
        if (length > 0) {
            out.write(buffer, 0, length);
            length = 0;
        }
    }

    /** Appends {@code s} as UTF-8: ASCII (ids, names, most JSON) byte by byte, without an intermediate array. */
    private void text(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
                ensure(utf8.length);
                System.arraycopy(utf8, 0, buffer, length, utf8.length);
                length += utf8.length;
                return;
            }
            buffer[length + i] = (byte) c;
        }
        length += n;
    }

    private void ensure(int more) {
        if (length + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(Math.max(256, length + more), buffer.length * 2));
        }
    }
}
