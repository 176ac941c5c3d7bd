package dev.flint.cpu;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.conformance.TensorOpsSuite;

/** Runs flint-core's {@link TensorOpsSuite} on the CPU backend. */
class CpuTensorOpsTest extends TensorOpsSuite {
    @Override
    protected Backend backend() {
        return Backends.get("cpu");
    }
}
