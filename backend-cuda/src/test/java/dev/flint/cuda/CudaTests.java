package dev.flint.cuda;

import dev.flint.backend.Availability;
import org.junit.jupiter.api.Assumptions;

/**
 * Shared by the GPU tests: whether the CUDA backend can run here, and the skip that prints why not.
 *
 * <pre>{@code
 * @BeforeEach void requireCuda() { CudaTests.assumeCuda(); }
 * }</pre>
 */
public final class CudaTests {
    private CudaTests() {
    }

    /** The probe's verdict on this machine. */
    public static Availability availability() {
        return new CudaBackendProvider().probe();
    }

    private static boolean told;

    /** Skips the calling test with the probe's reason when there is no usable GPU (printed once per JVM). */
    public static synchronized void assumeCuda() {
        Availability a = availability();
        if (!a.usable() && !told) {
            told = true;
            System.out.println("[cuda tests skipped] " + a.detail());
        }
        Assumptions.assumeTrue(a.usable(), () -> "CUDA backend unavailable: " + a.detail());
    }
}
