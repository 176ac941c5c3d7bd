package dev.flint.tensor;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.conformance.InputValidationSuite;

/**
 * Runs {@link InputValidationSuite} in flint-core itself, on the float64 test reference backend, so that the
 * front end is checked apart from any real backend.
 */
class ReferenceInputValidationTest extends InputValidationSuite {
    @Override
    protected Backend backend() {
        return Backends.get("reference");
    }
}
