package dev.flint.tensor;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.conformance.PyTorchValuesSuite;

/** {@link PyTorchValuesSuite} on the float64 test reference backend: the front end against PyTorch. */
class ReferencePyTorchValuesTest extends PyTorchValuesSuite {
    @Override
    protected Backend backend() {
        return Backends.get("reference");
    }
}
