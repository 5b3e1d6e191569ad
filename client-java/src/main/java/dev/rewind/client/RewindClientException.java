package dev.rewind.client;

/**
 * A failure the client cannot recover from by itself. {@code code} says which: {@code refused}
 * (the edge answered a final 4xx), {@code token_renewal_failed}, {@code unavailable} (too many failed
 * reconnects), {@code create_failed}, {@code cancel_failed}, {@code protocol} (a response that is not
 * the contract). {@code status} is the HTTP status (0 without one) and {@code detail} the problem's detail.
 */
public final class RewindClientException extends RuntimeException {

    private final String code;
    private final int status;
    private final String detail;

    public RewindClientException(String code, String message, int status, String detail, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.status = status;
        this.detail = detail;
    }

    public RewindClientException(String code, String message) {
        this(code, message, 0, null, null);
    }

    public String code() {
        return code;
    }

    public int status() {
        return status;
    }

    public String detail() {
        return detail;
    }
}
