package dev.flint.backend;

/**
 * Found by {@link java.util.ServiceLoader}: one provider per backend module, listed in its
 * {@code META-INF/services/dev.flint.backend.BackendProvider}.
 * Providers must be cheap to construct and must not touch native code before {@link #probe()}.
 */
public interface BackendProvider {

    /** Name users select it by, such as {@code "cuda"}. */
    String name();

    /** Preference for {@code Backends.auto()}: higher wins among usable backends (CPU is 0). */
    int priority();

    /**
     * Checks whether the backend can run here without creating it: libraries load, a driver and a
     * device exist. Must never crash the JVM; returns the reason when unusable.
     */
    Availability probe();

    /** Creates the backend. Throws {@link BackendUnavailableException} saying why when it cannot. */
    Backend create();
}
