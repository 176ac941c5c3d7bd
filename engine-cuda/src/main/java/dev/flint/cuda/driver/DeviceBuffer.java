package dev.flint.cuda.driver;

import jcuda.driver.CUdeviceptr;

/**
 * A block of device memory from {@code cuMemAlloc}: its address and size in bytes. Offsets are in
 * bytes. Owned by whoever allocated it (in Flint, the caching allocator).
 */
public final class DeviceBuffer {
    private final CUdeviceptr pointer;
    private final long bytes;

    DeviceBuffer(CUdeviceptr pointer, long bytes) {
        this.pointer = pointer;
        this.bytes = bytes;
    }

    /** Size in bytes. */
    public long bytes() {
        return bytes;
    }

    CUdeviceptr at(long byteOffset) {
        return byteOffset == 0 ? pointer : pointer.withByteOffset(byteOffset);
    }

    CUdeviceptr pointer() {
        return pointer;
    }

    @Override
    public String toString() {
        return "DeviceBuffer[" + bytes + " bytes]";
    }
}
