package dev.rewind.processor.sse;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Splits a byte stream into lines on raw bytes — CRLF, LF, or a CR not followed by LF, also when
 * the CR ends one chunk and the LF starts the next — before any UTF-8 decoding, so a character
 * split across chunks is carried whole and U+2028 inside JSON is never a line break. One BOM is
 * dropped at the stream's start only. A line longer than the limit is dropped (its bytes are not
 * kept) and reported as {@link Line.Oversized}.
 *
 * <p>Hand-written: the SSE and NDJSON rules need byte-level CR/LF handling that no JDK or library
 * splitter gives (they decode first, or treat U+2028 and lone CR differently). Its state is plain
 * fields so that it can be kept in a state store between chunks.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class LineSplitter {

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private byte[] pending = new byte[0];
    private boolean afterCr;
    private boolean firstLineDone;
    private long droppedBytes;

    /** Feeds the next piece of the stream; complete lines go to {@code out} in order. */
    public void feed(byte[] chunk, int maxLineBytes, Consumer<Line> out) {
        ByteArrayOutputStream line = new ByteArrayOutputStream(pending.length + 128);
        line.writeBytes(pending);
        int start = 0;
        for (int i = 0; i < chunk.length; i++) {
            byte b = chunk[i];
            if (afterCr) {
                afterCr = false;
                if (b == LF) {
                    start = i + 1;
                    continue;
                }
            }
            if (b == CR || b == LF) {
                append(line, chunk, start, i, maxLineBytes);
                emit(line, out);
                line.reset();
                afterCr = b == CR;
                start = i + 1;
            }
        }
        append(line, chunk, start, chunk.length, maxLineBytes);
        pending = line.toByteArray();
    }

    /** The stream ended: a last line without its line break is still a line. */
    public void end(Consumer<Line> out) {
        if (pending.length > 0 || droppedBytes > 0) {
            ByteArrayOutputStream line = new ByteArrayOutputStream(pending.length);
            line.writeBytes(pending);
            emit(line, out);
        }
        pending = new byte[0];
    }

    /** Bytes held for an unfinished line. */
    public int pendingBytes() {
        return pending.length;
    }

    private void append(ByteArrayOutputStream line, byte[] chunk, int from, int to, int maxLineBytes) {
        int length = to - from;
        if (length <= 0) {
            return;
        }
        if (droppedBytes > 0 || line.size() + length > maxLineBytes) {
            droppedBytes += line.size() + length;
            line.reset();
            return;
        }
        line.write(chunk, from, length);
    }

    private void emit(ByteArrayOutputStream line, Consumer<Line> out) {
        if (droppedBytes > 0) {
            out.accept(new Line.Oversized(droppedBytes));
            droppedBytes = 0;
            firstLineDone = true;
            return;
        }
        byte[] bytes = line.toByteArray();
        if (!firstLineDone && bytes.length >= 3 && Arrays.equals(bytes, 0, 3, BOM, 0, 3)) {
            bytes = Arrays.copyOfRange(bytes, 3, bytes.length);
        }
        firstLineDone = true;
        out.accept(new Line.Text(new String(bytes, StandardCharsets.UTF_8)));
    }
}
