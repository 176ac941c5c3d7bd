package dev.flint.tensor;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.conformance.TensorPropertySuite;

/**
 * Runs {@link TensorPropertySuite} in flint-core on the float64 test reference backend: the front end's
 * broadcasting, reductions and gradient rules, apart from any real backend's kernels.
 */
class ReferenceTensorPropertiesTest extends TensorPropertySuite {
    @Override
    protected Backend backend() {
        return Backends.get("reference");
    }
}
