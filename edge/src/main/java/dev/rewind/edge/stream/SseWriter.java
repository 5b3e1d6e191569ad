package dev.rewind.edge.stream;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes SSE bytes. Hand-written because Helidon 4.2.0's SseSink cannot write comments or
 * {@code retry:} and writes data with newlines raw (DESIGN §9). Data given here is single-line
 * JSON; a line break in it is refused rather than allowed to corrupt the stream.
 */
public final class SseWriter {

    private final OutputStream out;

    public SseWriter(OutputStream out) {
        this.out = out;
    }

    public void event(String id, String name, String data) throws IOException {
        if (data.indexOf('\n') >= 0 || data.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("SSE data must be a single line");
        }
        StringBuilder frame = new StringBuilder(data.length() + 64);
        if (id != null) {
            frame.append("id: ").append(id).append('\n');
        }
        frame.append("event: ").append(name).append('\n');
        frame.append("data: ").append(data).append("\n\n");
        out.write(frame.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** A frame of {@code data:} only, as the OpenAI and AI SDK dialects send (their clients ignore ids and names). */
    public void data(String data) throws IOException {
        if (data.indexOf('\n') >= 0 || data.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("SSE data must be a single line");
        }
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    public void retry(long millis) throws IOException {
        out.write(("retry: " + millis + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    public void comment(String text) throws IOException {
        out.write((": " + text + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    public void flush() throws IOException {
        out.flush();
    }
}
