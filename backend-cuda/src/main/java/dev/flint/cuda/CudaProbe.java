package dev.flint.cuda;

import dev.flint.backend.Availability;
import dev.flint.cuda.driver.CudaDriver;
import dev.flint.cuda.driver.CudaException;
import dev.flint.cuda.driver.DeviceInfo;
import dev.flint.cuda.kernel.KernelImages;
import dev.flint.cuda.loader.CublasLibrary;
import java.util.Locale;

/**
 * Decides, once per JVM, whether the CUDA backend can run here, and why not: JCuda's driver JNI
 * library and {@code libcuda.so.1}, {@code cuInit}, a device, compute capability 7.5 or newer, a driver
 * for CUDA 13.0 or newer (our kernels come from nvcc 13), and a loadable cuBLAS that defines every
 * function Flint calls. Every step catches everything (including {@link LinkageError}), so probing never
 * takes the JVM down. A usable verdict also says when {@code NVIDIA_TF32_OVERRIDE} changes the GEMM math.
 */
final class CudaProbe {
    /** Oldest architecture our kernels are built for (compute_75 PTX). */
    static final int MIN_COMPUTE = KernelImages.PTX_ARCH;
    /**
     * The kernels are built by nvcc 13: its PTX (ISA 9.0) needs a driver for CUDA 13.0 (R580 or newer) to be
     * JIT-compiled at all, and CUDA supports code from a 13.x toolkit (our cubins, libcublas.so.13) only on
     * such a driver. So it is required whichever image a device would load.
     */
    static final int MIN_DRIVER_VERSION = 13000;

    /** The outcome; {@code device} and {@code cublas} are set only when usable. */
    record Result(Availability availability, DeviceInfo device, CublasLibrary.Loaded cublas) {
    }

    private static Result cached;

    private CudaProbe() {
    }

    static synchronized Result get() {
        if (cached == null) {
            try {
                cached = run();
            } catch (Throwable t) {
                cached = unusable("CUDA probe failed unexpectedly: " + t);
            }
        }
        return cached;
    }

    private static Result run() {
        String os = System.getProperty("os.name", "?").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "?");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return unusable("JCuda's native libraries are bundled for linux-x86_64 only; this JVM runs on "
                    + System.getProperty("os.name") + "/" + arch);
        }
        try {
            CudaDriver.initialize();
        } catch (CudaException e) {
            if ("CUDA_ERROR_NO_DEVICE".equals(e.error())) {
                return unusable("no CUDA device (cuInit: CUDA_ERROR_NO_DEVICE)");
            }
            return unusable("cuInit failed: " + e.getMessage());
        } catch (Throwable t) {
            String all = messages(t);
            if (all.contains("libcuda.so")) {
                return unusable("libcuda.so.1 not found (no NVIDIA driver)");
            }
            return unusable("JCuda's driver JNI library could not be loaded: " + firstLine(all));
        }
        int count = CudaDriver.deviceCount();
        if (count == 0) {
            return unusable("no CUDA device");
        }
        int index = Integer.getInteger("flint.cuda.device", 0);
        if (index < 0 || index >= count) {
            return unusable("flint.cuda.device=" + index + " but there " + (count == 1 ? "is 1 CUDA device" : "are "
                    + count + " CUDA devices"));
        }
        DeviceInfo device = CudaDriver.device(index);
        if (device.computeCapability() < MIN_COMPUTE) {
            return unusable(String.format("compute capability %d.%d < %d.%d (%s)", device.major(), device.minor(),
                    MIN_COMPUTE / 10, MIN_COMPUTE % 10, device.name()));
        }
        if (device.driverVersion() < MIN_DRIVER_VERSION) {
            boolean ptx = KernelImages.needsPtx(device.major(), device.minor());
            return unusable(String.format("the driver supports CUDA %s, but Flint's kernels are built with nvcc 13 and"
                    + " need a driver for CUDA 13.0 or newer (R580+): %s; update the NVIDIA driver",
                    device.driverVersionText(), ptx
                            ? String.format("compute capability %d.%d has no prebuilt cubin, and our PTX (ISA 9.0) can"
                                    + " only be JIT-compiled by such a driver", device.major(), device.minor())
                            : "the " + KernelImages.choose("x", device.major(), device.minor(), KernelImages.CUBIN_ARCHS)
                                    .replaceAll("^x\\.|\\.cubin$", "") + " cubins it would load come from CUDA 13,"
                                    + " which supports them on R580+ drivers only"));
        }
        CublasLibrary.Loaded cublas;
        try {
            cublas = CublasLibrary.load();
        } catch (CublasLibrary.MissingFunctionsException e) {
            return unusable("cuBLAS unusable: " + e.getMessage());
        } catch (CublasLibrary.CublasLoadException e) {
            return unusable("cuBLAS JNI library could not be loaded: " + e.getMessage());
        } catch (Throwable t) {
            return unusable("cuBLAS JNI library could not be loaded: " + firstLine(messages(t)));
        }
        String tf32 = Tf32Mode.current().note();
        return new Result(Availability.usable(device + "; " + cublas.cublas() + " (" + cublas.library() + ")"
                + (tf32.isEmpty() ? "" : "; " + tf32)), device, cublas);
    }

    private static Result unusable(String reason) {
        return new Result(Availability.unusable(reason), null, null);
    }

    /** Every message in the cause chain, joined: JCuda nests the dlopen error inside its own. */
    private static String messages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            sb.append(c).append('\n');
        }
        return sb.toString();
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
