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

    /** The device address {@code byteOffset} bytes in, as a kernel parameter of pointer type holds it. */
    long address(long byteOffset) {
        return ((Address) pointer).address() + byteOffset;
    }

    /** A CUdeviceptr that can tell its address (JCuda keeps it in a protected field). */
    static final class Address extends CUdeviceptr {
        long address() {
            return getNativePointer() + getByteOffset();
        }
    }

    @Override
    public String toString() {
        return "DeviceBuffer[" + bytes + " bytes]";
    }
}
