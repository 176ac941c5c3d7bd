package dev.flint.cuda.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Where the CUDA sources are for the tests that read them: {@code src/main/cuda} when the tests run in
 * the module folder (Maven), {@code backend-cuda/src/main/cuda} when they run from the project root (the
 * GPU machine's JUnit launcher). Tests skip, saying so, where neither exists (a packed jar elsewhere).
 */
final class CudaSources {
    private CudaSources() {
    }

    static Path dir() {
        for (Path candidate : new Path[] {Path.of("src/main/cuda"), Path.of("backend-cuda/src/main/cuda")}) {
            if (Files.isRegularFile(candidate.resolve("common.cuh"))) {
                return candidate;
            }
        }
        Assumptions.abort("the CUDA sources are not under " + Path.of("").toAbsolutePath()
                + " (src/main/cuda or backend-cuda/src/main/cuda)");
        throw new IllegalStateException("unreachable: abort throws");
    }
}
