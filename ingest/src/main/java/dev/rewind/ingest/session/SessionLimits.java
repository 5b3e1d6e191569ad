package dev.rewind.ingest.session;

/**
 * Per-session bounds on an upstream call; {@code ackTimeoutMs} is how long a chunk may wait for
 * Kafka's acknowledgement (the producer's delivery timeout, and a margin) before the attempt counts as lost.
 */
public record SessionLimits(int readBufferBytes, long responseTimeoutMs, long stallTimeoutMs, long maxSessionDurationMs,
        long maxResponseBytes, long ackTimeoutMs) {}
