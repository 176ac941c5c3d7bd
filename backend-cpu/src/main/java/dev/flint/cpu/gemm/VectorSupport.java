package dev.flint.cpu.gemm;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the GEMM kernel once per JVM, as Apache Lucene does for its vectorized code: the Vector
 * API kernel only when {@code jdk.incubator.vector} is in the boot layer and its preferred species
 * is at least 256 bits wide, else the plain-Java kernel. {@link VectorKernel} is referenced only on
 * the branch that has checked the module (and through a method typed {@link Kernel}), so a JVM
 * without the module never loads it and never sees a {@code NoClassDefFoundError}.
 *
 * <p>The system property {@code flint.cpu.vector=false} forces the plain kernel. The choice is
 * logged once, in one line, with how to enable the faster path when it is off.
 */
final class VectorSupport {

    /** The system property that, set to {@code false}, forces the plain-Java kernel. */
    static final String PROPERTY = "flint.cpu.vector";
    static final String MODULE = "jdk.incubator.vector";

    private static final Logger LOG = LoggerFactory.getLogger(Sgemm.class);
    private static final Kernel KERNEL = choose();

    private VectorSupport() {
    }

    /** The kernel every {@link Sgemm#gemm} call uses. */
    static Kernel kernel() {
        return KERNEL;
    }

    /**
     * The Vector API kernel when this JVM can run it (module present, species >= 256 bits), else
     * null, whatever {@value #PROPERTY} says; tests use it to cover both paths.
     */
    static Kernel vectorKernelIfAvailable() {
        if (!ModuleLayer.boot().findModule(MODULE).isPresent()) {
            return null;
        }
        return VectorKernel.createIfWide();
    }

    private static Kernel choose() {
        Kernel kernel = choose(System.getProperty(PROPERTY), ModuleLayer.boot().findModule(MODULE).isPresent());
        LOG.info("Flint CPU GEMM: {}", describe(kernel, System.getProperty(PROPERTY)));
        return kernel;
    }

    /**
     * The decision itself, apart from the JVM it runs in: the Vector API kernel unless
     * {@code property} is "false", the module is absent, or the vectors are narrower than 256 bits.
     * {@code VectorKernel} is touched only when {@code modulePresent} is true.
     */
    static Kernel choose(String property, boolean modulePresent) {
        if (property != null && "false".equalsIgnoreCase(property.trim())) {
            return PlainKernel.INSTANCE;
        }
        if (!modulePresent) {
            return PlainKernel.INSTANCE;
        }
        Kernel vector = VectorKernel.createIfWide();
        return vector == null ? PlainKernel.INSTANCE : vector;
    }

    /** The one log line: which kernel runs, why, and on the plain path how to get the faster one. */
    static String describe(Kernel kernel, String property) {
        if (kernel != PlainKernel.INSTANCE) {
            return "Vector API kernel (" + VectorKernel.bits() + "-bit FloatVector, " + VectorKernel.MR + "x"
                    + VectorKernel.NR + " register tile)";
        }
        if (property != null && "false".equalsIgnoreCase(property.trim())) {
            return "plain Java kernel (" + PROPERTY + "=false)";
        }
        if (!ModuleLayer.boot().findModule(MODULE).isPresent()) {
            return "plain Java kernel; add --add-modules " + MODULE + " to the java command line for the"
                    + " several times faster Vector API kernel";
        }
        return "plain Java kernel; the Vector API is present but its preferred vectors are only "
                + VectorKernel.bits() + " bits wide (its kernel needs 256)";
    }
}
