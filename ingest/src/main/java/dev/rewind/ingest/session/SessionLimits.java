package dev.rewind.ingest.session;

/** Per-session bounds on an upstream call. */
public record SessionLimits(
        int readBufferBytes, long responseTimeoutMs, long stallTimeoutMs, long maxSessionDurationMs, long maxResponseBytes) {}
