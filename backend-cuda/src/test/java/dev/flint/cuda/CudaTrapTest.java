package dev.flint.cuda;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.DType;
import dev.flint.backend.Storage;
import dev.flint.cuda.driver.CudaException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A kernel given an op code it has no case for stops (the launch fails) instead of returning NaN or
 * any other value. A trap loses the CUDA context of the whole process, so this runs only on the
 * emulated driver, in a process of its own (EmulatedCudaTest starts it), never among the GPU tests.
 */
@Tag("cuda")
class CudaTrapTest {

    @Test
    void anUnknownOpCodeTrapsInsteadOfProducingAValue() {
        Assumptions.assumeTrue(System.getenv("EMU_CUDA_TRAP_TEST") != null,
                "destroys the process's CUDA context: runs only on the emulated driver, in its own process");
        CudaTests.assumeCuda();
        CudaBackend cuda = (CudaBackend) new CudaBackendProvider().create();
        Storage x = cuda.allocate(DType.FLOAT32, 4);
        cuda.upload(new float[] {1, 2, 3, 4}, 0, x, 0, 4);
        CudaException e = assertThrows(CudaException.class, () -> {
            cuda.unaryWithCode(1_000, x, x, 4);
            cuda.synchronize();
        });
        assertTrue(e.getMessage().contains("cuLaunchKernel") || e.getMessage().contains("Synchronize"), e.getMessage());
    }
}
