package dev.flint.tensor;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.conformance.GradientConformanceSuite;

/**
 * Runs {@link GradientConformanceSuite} in flint-core itself, on the float64 test reference backend, so that the
 * front end is checked apart from any real backend.
 */
class ReferenceGradientConformanceTest extends GradientConformanceSuite {
    @Override
    protected Backend backend() {
        return Backends.get("reference");
    }
}
