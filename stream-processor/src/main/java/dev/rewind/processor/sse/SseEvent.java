package dev.rewind.processor.sse;

/** One dispatched SSE event: its type ({@code message} by default), data, and the last event id. */
public record SseEvent(String type, String data, String lastEventId) {}
