package dev.rewind.protocol.token;

/** A read token that does not verify; {@link #reason()} is safe to show (it never contains the token). */
public final class InvalidTokenException extends Exception {

    public enum Reason {
        MALFORMED,
        UNKNOWN_KEY,
        BAD_SIGNATURE,
        EXPIRED
    }

    private final Reason reason;

    public InvalidTokenException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
