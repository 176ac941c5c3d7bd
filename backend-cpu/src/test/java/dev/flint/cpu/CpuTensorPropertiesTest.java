package dev.flint.cpu;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.conformance.TensorPropertySuite;

/** Runs {@link TensorPropertySuite} (random shapes and broadcasts, float64 reference, gradients) on the CPU. */
class CpuTensorPropertiesTest extends TensorPropertySuite {
    @Override
    protected Backend backend() {
        return Backends.get("cpu");
    }
}
