package dev.rewind.protocol.usage;

/**
 * One attempt's usage and cost on a session's terminal event: every attempt that streamed, failed
 * and reset ones included, because they were paid for. {@code cost} is null when the model has no price.
 */
public record AttemptUsage(int attempt, TokenUsage usage, Cost cost) {}
