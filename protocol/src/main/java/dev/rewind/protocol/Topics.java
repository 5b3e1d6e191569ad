package dev.rewind.protocol;

import java.util.List;

/** The names of Rewind's topics. Their configs come from {@link TopicSettings}. */
public final class Topics {

    public static final String REQUESTS = "rewind.requests";
    public static final String CONTROL = "rewind.control";
    public static final String CHUNKS = "rewind.chunks";
    public static final String TOKENS = "rewind.tokens";
    public static final String SESSIONS = "rewind.sessions";
    public static final String CHUNKS_DLQ = "rewind.chunks.dlq";
    /** Written by the analytics app: per upstream and model, one-minute windows and running totals (compacted). */
    public static final String ANALYTICS = "rewind.analytics";

    /** These three must have equal partition counts: the processor reads requests and chunks of a session together. */
    public static final List<String> CO_PARTITIONED = List.of(REQUESTS, CHUNKS, TOKENS);

    public static final List<String> ALL = List.of(REQUESTS, CONTROL, CHUNKS, TOKENS, SESSIONS, CHUNKS_DLQ, ANALYTICS);

    private Topics() {}
}
