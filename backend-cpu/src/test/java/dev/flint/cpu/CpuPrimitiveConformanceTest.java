package dev.flint.cpu;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.conformance.PrimitiveConformanceSuite;

/**
 * The primitive conformance suite from flint-core's test jar, run on the CPU backend: every primitive
 * against the float64 reference, with the suite's tolerances, guard and input checks.
 */
class CpuPrimitiveConformanceTest extends PrimitiveConformanceSuite {

    @Override
    protected Backend backend() {
        return Backends.get("cpu");
    }
}
