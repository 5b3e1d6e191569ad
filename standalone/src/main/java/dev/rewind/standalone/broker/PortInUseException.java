package dev.rewind.standalone.broker;

/** A port the stack needs is taken by another process; the message says which and how to choose another. */
public final class PortInUseException extends RuntimeException {

    public PortInUseException(String message) {
        super(message);
    }
}
