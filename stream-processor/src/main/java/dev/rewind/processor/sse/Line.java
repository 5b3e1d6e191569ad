package dev.rewind.processor.sse;

/** What the line splitter hands on: a decoded line, or the size of one it dropped for being too long. */
public sealed interface Line {

    record Text(String text) implements Line {}

    record Oversized(long bytes) implements Line {}
}
