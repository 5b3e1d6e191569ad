package dev.rewind.analytics.errors;

/** A stored state that cannot be read back: the record is dead-lettered as {@code unreadable-state}. */
public final class UnreadableStateException extends RuntimeException {
    public UnreadableStateException(String message, Throwable cause) {
        super(message, cause);
    }
}
