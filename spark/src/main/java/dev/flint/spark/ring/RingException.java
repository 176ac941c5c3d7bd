package dev.flint.spark.ring;

/**
 * A ring operation failed: a peer could not be reached, closed its connection, sent something other
 * than what this worker expected, or did not answer before the deadline. The message names this
 * worker's rank, the peer's rank and address, and what was waited for.
 */
public class RingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A failure described by {@code message}. */
    public RingException(String message) {
        super(message);
    }

    /** A failure described by {@code message}, caused by {@code cause}. */
    public RingException(String message, Throwable cause) {
        super(message, cause);
    }
}
