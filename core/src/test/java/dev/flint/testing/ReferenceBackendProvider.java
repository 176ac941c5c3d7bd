package dev.flint.testing;

import dev.flint.backend.Availability;
import dev.flint.backend.Backend;
import dev.flint.backend.BackendProvider;
import dev.flint.backend.BackendUnavailableException;

/**
 * Offers {@code dev.flint.conformance.ReferenceBackend} (every primitive in float64, rounded once to
 * float32) as the backend named {@code "reference"}, on the test class path only. Its priority is the
 * lowest, so where a real backend is present (a backend module's tests use flint-core's test jar)
 * {@code Backends.auto()} still picks the real one.
 *
 * <p>The reference backend is package-private to the conformance suite, so it is constructed
 * reflectively here rather than widened for this one use.
 */
public final class ReferenceBackendProvider implements BackendProvider {
    private static final String CLASS = "dev.flint.conformance.ReferenceBackend";

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public int priority() {
        return -1000;
    }

    @Override
    public Availability probe() {
        try {
            Class.forName(CLASS);
            return Availability.usable("float64 reference on the host (tests only)");
        } catch (ClassNotFoundException e) {
            return Availability.unusable(CLASS + " not on the class path");
        }
    }

    @Override
    public Backend create() {
        try {
            var constructor = Class.forName(CLASS).getDeclaredConstructor();
            constructor.setAccessible(true);
            return (Backend) constructor.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new BackendUnavailableException("backend 'reference' unavailable: cannot construct " + CLASS + ": " + e);
        }
    }
}
