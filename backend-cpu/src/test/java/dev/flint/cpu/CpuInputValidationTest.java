package dev.flint.cpu;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.conformance.InputValidationSuite;

/** Runs flint-core's {@link InputValidationSuite} on the CPU backend. */
class CpuInputValidationTest extends InputValidationSuite {
    @Override
    protected Backend backend() {
        return Backends.get("cpu");
    }
}
