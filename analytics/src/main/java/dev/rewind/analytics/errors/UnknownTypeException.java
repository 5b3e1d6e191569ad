package dev.rewind.analytics.errors;

/** An input value of a type this version does not know: skipped and counted, not dead-lettered (DESIGN §13). */
public final class UnknownTypeException extends RuntimeException {
    public UnknownTypeException(String type) {
        super("unknown type '" + type + "'", null, false, false);
    }
}
