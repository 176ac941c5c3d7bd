package dev.flint.cpu;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.conformance.PyTorchValuesSuite;

/** flint-core's {@link PyTorchValuesSuite} on the CPU backend: its values and gradients against PyTorch's. */
class CpuPyTorchValuesTest extends PyTorchValuesSuite {
    @Override
    protected Backend backend() {
        return Backends.get("cpu");
    }
}
