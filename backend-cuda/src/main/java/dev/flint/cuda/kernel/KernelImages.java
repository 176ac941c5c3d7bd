package dev.flint.cuda.kernel;

import java.util.List;

/**
 * Chooses which committed image of a kernel module to load on a device: the cubin built for the
 * device's major architecture with the highest minor not above the device's (a cubin runs on later
 * minors of its major: sm_80 code on an 8.6 or 8.9 GPU), else the compute_75 PTX, which the driver
 * JIT-compiles (and which needs a driver that understands PTX ISA 9.0, R580+).
 *
 * <pre>{@code
 * KernelImages.choose("softmax", 9, 0, List.of(80, 90))   // "softmax.sm_90.cubin"
 * KernelImages.choose("softmax", 7, 5, List.of(80, 90))   // "softmax.ptx"
 * }</pre>
 */
public final class KernelImages {
    /** The architectures with committed cubins (see build-kernels.sh), as 10 * major + minor. */
    public static final List<Integer> CUBIN_ARCHS = List.of(80, 90);
    /** The PTX target: the oldest GPU the kernels run on. */
    public static final int PTX_ARCH = 75;

    private KernelImages() {
    }

    /** Resource file name (within {@link KernelManifest#RESOURCE_DIR}) of {@code family} for a device. */
    public static String choose(String family, int major, int minor, List<Integer> cubinArchs) {
        int best = -1;
        for (int arch : cubinArchs) {
            if (arch / 10 == major && arch % 10 <= minor && arch > best) {
                best = arch;
            }
        }
        return best >= 0 ? family + ".sm_" + best + ".cubin" : family + ".ptx";
    }

    /** Whether a device of this compute capability would JIT the PTX rather than load a cubin. */
    public static boolean needsPtx(int major, int minor) {
        return choose("x", major, minor, CUBIN_ARCHS).endsWith(".ptx");
    }
}
