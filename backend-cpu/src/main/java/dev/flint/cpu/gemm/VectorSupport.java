package dev.flint.cpu.gemm;

import java.io.PrintStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.NOPLogger;
import org.slf4j.helpers.NOPLoggerFactory;

/**
 * Chooses the GEMM kernel once per JVM, as Apache Lucene does for its vectorized code: the Vector
 * API kernel only when {@code jdk.incubator.vector} is in the boot layer and its preferred species
 * is at least 256 bits wide, else the plain-Java kernel. {@link VectorKernel} is referenced only on
 * the branch that has checked the module (and through a method typed {@link Kernel}), so a JVM
 * without the module never loads it and never sees a {@code NoClassDefFoundError}.
 *
 * <p>The system property {@code flint.cpu.vector=false} forces the plain kernel. The choice is
 * logged once, in one line, with how to enable the faster path when it is off. A library logs through
 * the SLF4J API and leaves the binding to the application; where the application has none, SLF4J
 * drops every line, so the one line that tells a user how to make GEMM several times faster goes to
 * standard error instead (once per JVM, and only when it carries that advice).
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
        String property = System.getProperty(PROPERTY);
        Kernel kernel = choose(property, ModuleLayer.boot().findModule(MODULE).isPresent());
        report("Flint CPU GEMM: " + describe(kernel, property), hasAdvice(kernel, property), LOG, System.err);
        return kernel;
    }

    /**
     * Logs {@code line} at INFO; when no SLF4J provider is bound and the line has advice for the user,
     * prints it to {@code stderr} instead, where it is seen. With a provider, nothing goes to stderr: the
     * application's logging configuration decides, even if it silences INFO.
     */
    static void report(String line, boolean advice, Logger log, PrintStream stderr) {
        if (!noProvider(log)) {
            log.info(line);
        } else if (advice) {
            stderr.println(line + " [printed to stderr: no SLF4J provider is bound]");
        }
    }

    /**
     * Whether SLF4J fell back to its no-operation logger, which it does when no provider (binding) is on
     * the class path: every line would be dropped.
     */
    static boolean noProvider(Logger log) {
        return log instanceof NOPLogger || LoggerFactory.getILoggerFactory() instanceof NOPLoggerFactory;
    }

    /** Whether the line for this choice tells the user how to get a faster kernel (not when they chose). */
    static boolean hasAdvice(Kernel kernel, String property) {
        boolean forcedOff = property != null && "false".equalsIgnoreCase(property.trim());
        return kernel == PlainKernel.INSTANCE && !forcedOff;
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
