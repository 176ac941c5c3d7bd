package dev.flint.cuda;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.conformance.PyTorchValuesSuite;
import org.junit.jupiter.api.Tag;

/**
 * flint-core's {@link PyTorchValuesSuite} on the CUDA backend; skipped, with the probe's reason, where
 * there is no usable GPU (EmulatedCudaTest runs it on the emulated driver).
 */
@Tag("cuda")
class CudaPyTorchValuesTest extends PyTorchValuesSuite {

    @Override
    protected Backend backend() {
        CudaTests.assumeCuda();
        return Backends.get("cuda");
    }
}
