package dev.flint.cuda.driver;

/**
 * What the driver reports about one device.
 *
 * <pre>{@code
 * DeviceInfo d = CudaDriver.device(0);
 * System.out.println(d);   // NVIDIA H100 80GB HBM3 (compute 9.0, 79.1 GiB, 132 SMs, driver 13.0)
 * }</pre>
 *
 * @param driverVersion the CUDA version the driver supports, as {@code 1000 * major + 10 * minor}
 */
public record DeviceInfo(int index, String name, int major, int minor, long totalMemory, int multiprocessors,
                         int driverVersion) {

    /** Compute capability as {@code 10 * major + minor}, for example 90 for 9.0. */
    public int computeCapability() {
        return 10 * major + minor;
    }

    /** The driver's CUDA version as text, for example {@code "13.0"}. */
    public String driverVersionText() {
        return (driverVersion / 1000) + "." + (driverVersion % 1000 / 10);
    }

    @Override
    public String toString() {
        return String.format("%s (compute %d.%d, %.1f GiB, %d SMs, driver CUDA %s)", name, major, minor,
                totalMemory / (1024.0 * 1024 * 1024), multiprocessors, driverVersionText());
    }
}
