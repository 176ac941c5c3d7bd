package dev.flint.spark;

/** An epoch failed on the cluster after Spark's retries; the message names the epoch and the checkpoint. */
public class SparkTrainingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A failure described by {@code message}, caused by {@code cause}. */
    public SparkTrainingException(String message, Throwable cause) {
        super(message, cause);
    }
}
