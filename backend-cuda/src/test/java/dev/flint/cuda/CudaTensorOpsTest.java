package dev.flint.cuda;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.conformance.TensorOpsSuite;
import org.junit.jupiter.api.Tag;

/**
 * flint-core's {@link TensorOpsSuite} on the CUDA backend; skipped, with the probe's reason, where there is
 * no usable GPU.
 */
@Tag("cuda")
class CudaTensorOpsTest extends TensorOpsSuite {

    /** Called by the suite before each test: the skip happens here, test by test, with the reason. */
    @Override
    protected Backend backend() {
        CudaTests.assumeCuda();
        return Backends.get("cuda");
    }
}
