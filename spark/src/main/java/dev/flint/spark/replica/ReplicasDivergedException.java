package dev.flint.spark.replica;

/** The replicas' weights stopped being identical: a bug, or non-deterministic code in the model. */
public class ReplicasDivergedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** A divergence described by {@code message}. */
    public ReplicasDivergedException(String message) {
        super(message);
    }
}
