package dev.flint.spark.ring;

/** A ring operation's deadline passed: a peer was not reachable, or did not send or read in time. */
public class RingTimeoutException extends RingException {
    private static final long serialVersionUID = 1L;

    /** A timeout described by {@code message}. */
    public RingTimeoutException(String message) {
        super(message);
    }
}
