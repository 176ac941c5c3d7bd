package dev.flint.conformance;

import dev.flint.backend.Backend;

/**
 * Runs the conformance suite on {@link ReferenceBackend}: a correct implementation must pass every
 * test, so a failure here is a bug in the suite (a wrong reference, a tolerance too tight for float32
 * storage), not in a backend.
 */
class ReferenceBackendConformanceTest extends PrimitiveConformanceSuite {
    private static final Backend BACKEND = new ReferenceBackend();

    @Override
    protected Backend backend() {
        return BACKEND;
    }
}
