package dev.rewind.analytics.errors;

/** An input value that does not decode: the record is dead-lettered as {@code unreadable-record}. */
public final class UnreadableRecordException extends RuntimeException {
    public UnreadableRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
