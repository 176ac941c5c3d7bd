package dev.flint.cuda.driver;

import java.nio.charset.StandardCharsets;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.JCudaDriver;

/**
 * Process-wide driver entry points: loading the JNI library, {@code cuInit}, device queries.
 *
 * <pre>{@code
 * CudaDriver.initialize();                 // throws LinkageError without libcuda.so.1
 * int n = CudaDriver.deviceCount();
 * DeviceInfo d = CudaDriver.device(0);
 * }</pre>
 */
public final class CudaDriver {
    private static boolean initialized;

    private CudaDriver() {
    }

    /**
     * Loads JCuda's driver JNI library (which links {@code libcuda.so.1}), enables JCuda's exceptions
     * and calls {@code cuInit}. Idempotent.
     *
     * @throws LinkageError when the JNI library or {@code libcuda.so.1} cannot be loaded
     * @throws CudaException when {@code cuInit} fails (for example {@code CUDA_ERROR_NO_DEVICE})
     */
    public static synchronized void initialize() {
        if (initialized) {
            return;
        }
        JCudaDriver.setExceptionsEnabled(true);
        try {
            JCudaDriver.cuInit(0);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuInit", e);
        }
        initialized = true;
    }

    /** Number of CUDA devices. */
    public static int deviceCount() {
        int[] count = new int[1];
        try {
            JCudaDriver.cuDeviceGetCount(count);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuDeviceGetCount", e);
        }
        return count[0];
    }

    /** Name, compute capability, memory and SM count of device {@code index}. */
    public static DeviceInfo device(int index) {
        CUdevice device = handle(index);
        String call = "cuDeviceGetAttribute(device " + index + ")";
        try {
            byte[] name = new byte[256];
            JCudaDriver.cuDeviceGetName(name, name.length, device);
            int len = 0;
            while (len < name.length && name[len] != 0) {
                len++;
            }
            long[] total = new long[1];
            JCudaDriver.cuDeviceTotalMem(total, device);
            int[] driver = new int[1];
            JCudaDriver.cuDriverGetVersion(driver);
            return new DeviceInfo(index, new String(name, 0, len, StandardCharsets.UTF_8),
                    attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
                    attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
                    total[0], attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT),
                    driver[0]);
        } catch (jcuda.CudaException e) {
            throw CudaException.from(call, e);
        }
    }

    static CUdevice handle(int index) {
        CUdevice device = new CUdevice();
        try {
            JCudaDriver.cuDeviceGet(device, index);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuDeviceGet(" + index + ")", e);
        }
        return device;
    }

    private static int attribute(CUdevice device, int attribute) {
        int[] value = new int[1];
        JCudaDriver.cuDeviceGetAttribute(value, attribute, device);
        return value[0];
    }
}
