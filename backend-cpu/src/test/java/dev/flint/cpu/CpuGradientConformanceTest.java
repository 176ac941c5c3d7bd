package dev.flint.cpu;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.conformance.GradientConformanceSuite;

/** Runs flint-core's {@link GradientConformanceSuite} on the CPU backend. */
class CpuGradientConformanceTest extends GradientConformanceSuite {
    @Override
    protected Backend backend() {
        return Backends.get("cpu");
    }
}
