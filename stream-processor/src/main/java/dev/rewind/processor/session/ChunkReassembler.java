package dev.rewind.processor.session;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.rewind.processor.provider.ArgumentText;
import dev.rewind.processor.provider.Extracted;
import dev.rewind.processor.provider.StreamExtractor;
import dev.rewind.processor.sse.Line;
import dev.rewind.processor.sse.LineSplitter;
import dev.rewind.processor.sse.SseEvent;
import dev.rewind.processor.sse.SseParser;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.ProviderFormat;
import java.util.Map;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One attempt's upstream bytes, in whatever pieces they came, to {@link Extracted} items: raw-byte
 * lines, then SSE events (or, for NDJSON providers, each non-blank line as one event), then the
 * provider's JSON ({@link StreamExtractor} per format). A pure state machine with no Kafka inside:
 * the same bytes split any other way give the same items, and its state is plain fields kept in the
 * processor's state store between chunks.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class ChunkReassembler {

    private LineSplitter lines = new LineSplitter();
    private SseParser sse = new SseParser();
    private StreamExtractor extractor;
    private int maxLineBytes;
    private long eventCount;
    private boolean ended;

    ChunkReassembler() {}

    private ChunkReassembler(StreamExtractor extractor, int maxLineBytes) {
        this.extractor = extractor;
        this.maxLineBytes = maxLineBytes;
    }

    /** A reassembler for one attempt in {@code format}. */
    public static ChunkReassembler forFormat(ProviderFormat format, int maxLineBytes) {
        return new ChunkReassembler(StreamExtractor.forFormat(format), maxLineBytes);
    }

    /** Feeds one read of the upstream body. */
    public List<Extracted> feed(byte[] bytes) {
        List<Extracted> out = new ArrayList<>();
        if (!ended) {
            lines.feed(bytes, maxLineBytes, line -> line(line, false, out::add));
        }
        return out;
    }

    /**
     * The attempt's bytes are over: a pending SSE event, or a last NDJSON line without its line break,
     * is dispatched when its data is complete (JSON or {@code [DONE]}) since providers sometimes omit
     * the last blank line (WIRE-FORMATS §1); an incomplete one is the truncation it looks like. Tool
     * calls get their final event.
     */
    public List<Extracted> end() {
        List<Extracted> out = new ArrayList<>();
        if (ended) {
            return out;
        }
        lines.end(line -> line(line, true, out::add));
        if (extractor.framing() == StreamExtractor.Framing.SSE) {
            sse.pending().filter(event -> isComplete(event.data())).ifPresent(event -> event(event, out::add));
        }
        extractor.endOfStream(out::add);
        ended = true;
        return out;
    }

    /** True once the provider's terminal marker arrived. */
    public boolean terminated() {
        return extractor.terminated();
    }

    /** The provider's own finish reason, or null. */
    public String finishReason() {
        return extractor.finishReason();
    }

    /** stop | length | tool_calls | content_filter. */
    public String normalisedFinishReason() {
        return extractor.normalisedFinishReason();
    }

    public com.fasterxml.jackson.databind.JsonNode usage() {
        return extractor.usage();
    }

    /** The provider's usage in Rewind's names, or null when it reported none. */
    public dev.rewind.protocol.usage.TokenUsage tokenUsage() {
        return extractor.tokenUsage();
    }

    /** Bytes held for an unfinished line: at most the line limit. */
    public int pendingLineBytes() {
        return lines.pendingBytes();
    }

    /** Characters held for an unfinished SSE event: at most the line limit. */
    public int pendingEventChars() {
        return sse.pendingChars();
    }

    /** Each tool call's argument text so far, by call index: the processor keeps their full segments apart. */
    public Map<Integer, ArgumentText> toolCallArguments() {
        return extractor.toolCallArguments();
    }

    /** Characters held for tool calls (their arguments so far, ids and names). */
    public long toolCallChars() {
        return extractor.toolCallChars();
    }

    /** SSE events dispatched so far. */
    public long eventCount() {
        return eventCount;
    }

    private void line(Line line, boolean last, Consumer<Extracted> out) {
        switch (line) {
            case Line.Oversized oversized -> out.accept(new Extracted.Malformed("line-too-long",
                    "a line of " + oversized.bytes() + " bytes exceeded the limit of " + maxLineBytes));
            case Line.Text text when extractor.framing() == StreamExtractor.Framing.NDJSON -> {
                if (!text.text().isBlank() && (!last || isComplete(text.text()))) {
                    event(new SseEvent("message", text.text(), ""), out);
                }
            }
            case Line.Text text -> {
                sse.line(text.text()).ifPresent(event -> event(event, out));
                if (sse.pendingChars() > maxLineBytes) {
                    sse.discard();
                    out.accept(new Extracted.Malformed("event-too-long",
                            "an event's data exceeded the limit of " + maxLineBytes + " characters"));
                }
            }
        }
    }

    private void event(SseEvent event, Consumer<Extracted> out) {
        eventCount++;
        extractor.event(event, out);
    }

    private static boolean isComplete(String data) {
        if (data.equals("[DONE]")) {
            return true;
        }
        try {
            com.fasterxml.jackson.databind.JsonNode node = Json.MAPPER.readTree(data);
            return node != null && !node.isMissingNode();
        } catch (JsonProcessingException e) {
            return false;
        }
    }
}
