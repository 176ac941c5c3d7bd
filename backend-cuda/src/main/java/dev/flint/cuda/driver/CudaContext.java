package dev.flint.cuda.driver;

import jcuda.Pointer;
import jcuda.driver.CUDA_MEMCPY2D;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUmemorytype;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/**
 * The device's primary context and one stream of our own: device memory, asynchronous copies and
 * fills on the stream, and synchronization. Primary context rather than a private one so that
 * cuBLAS (which uses the runtime API) shares it.
 *
 * <p>The context is made current on whichever thread calls {@link #makeCurrent()}; every method that
 * touches the device does so itself, so any thread may use the context.
 *
 * <pre>{@code
 * try (CudaContext ctx = new CudaContext(0)) {
 *     DeviceBuffer b = ctx.allocate(4096);
 *     ctx.upload(new float[1024], 0, b, 0, 1024);
 *     ctx.synchronize();
 *     ctx.free(b);
 * }
 * }</pre>
 */
public final class CudaContext implements AutoCloseable {
    /** The context this thread last made current through us: skips redundant cuCtxSetCurrent calls. */
    private static final ThreadLocal<CUcontext> CURRENT = new ThreadLocal<>();

    private final int deviceIndex;
    private final CUdevice device;
    private final CUcontext context = new CUcontext();
    private final CUstream stream = new CUstream();
    private volatile boolean closed;

    /** Retains device {@code deviceIndex}'s primary context and creates a non-blocking stream on it. */
    public CudaContext(int deviceIndex) {
        this.deviceIndex = deviceIndex;
        this.device = CudaDriver.handle(deviceIndex);
        try {
            JCudaDriver.cuDevicePrimaryCtxRetain(context, device);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuDevicePrimaryCtxRetain(device " + deviceIndex + ")", e);
        }
        makeCurrent();
        try {
            // Non-blocking: our stream does not wait for work other libraries put on the legacy stream.
            JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING);
        } catch (jcuda.CudaException e) {
            JCudaDriver.cuDevicePrimaryCtxRelease(device);
            throw CudaException.from("cuStreamCreate", e);
        }
    }

    /** Makes this context current on the calling thread (cheap when it already is). */
    public void makeCurrent() {
        if (CURRENT.get() != context) {
            try {
                JCudaDriver.cuCtxSetCurrent(context);
            } catch (jcuda.CudaException e) {
                throw CudaException.from("cuCtxSetCurrent(device " + deviceIndex + ")", e);
            }
            CURRENT.set(context);
        }
    }

    public int deviceIndex() {
        return deviceIndex;
    }

    CUstream stream() {
        return stream;
    }

    /** {@code cuMemAlloc}; contents undefined. */
    public DeviceBuffer allocate(long bytes) {
        makeCurrent();
        CUdeviceptr p = new DeviceBuffer.Address();
        try {
            JCudaDriver.cuMemAlloc(p, bytes);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuMemAlloc(" + bytes + " bytes)", e);
        }
        return new DeviceBuffer(p, bytes);
    }

    /** {@code cuMemFree}; the caller has made sure no queued work still reads the buffer. */
    public void free(DeviceBuffer buffer) {
        makeCurrent();
        try {
            JCudaDriver.cuMemFree(buffer.pointer());
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuMemFree(" + buffer.bytes() + " bytes)", e);
        }
    }

    /** Free and total device memory in bytes, from {@code cuMemGetInfo}. */
    public long[] memoryInfo() {
        makeCurrent();
        long[] free = new long[1];
        long[] total = new long[1];
        try {
            JCudaDriver.cuMemGetInfo(free, total);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuMemGetInfo", e);
        }
        return new long[] {free[0], total[0]};
    }

    /*
     * Host arrays are pageable memory: the driver stages a host-to-device copy before returning and
     * finishes a device-to-host copy before returning, so the arrays may be reused at once. A host
     * offset goes through a temporary array rather than a pointer into the middle of a Java array.
     */

    /** Queues a copy of {@code count} floats from the host. */
    public void upload(float[] src, int srcOffset, DeviceBuffer dst, long dstByteOffset, int count) {
        makeCurrent();
        float[] whole = srcOffset == 0 ? src : java.util.Arrays.copyOfRange(src, srcOffset, srcOffset + count);
        try {
            JCudaDriver.cuMemcpyHtoDAsync(dst.at(dstByteOffset), Pointer.to(whole), 4L * count, stream);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuMemcpyHtoDAsync(" + 4L * count + " bytes)", e);
        }
    }

    /** Queues a copy of {@code count} ints from the host. */
    public void upload(int[] src, int srcOffset, DeviceBuffer dst, long dstByteOffset, int count) {
        makeCurrent();
        int[] whole = srcOffset == 0 ? src : java.util.Arrays.copyOfRange(src, srcOffset, srcOffset + count);
        try {
            JCudaDriver.cuMemcpyHtoDAsync(dst.at(dstByteOffset), Pointer.to(whole), 4L * count, stream);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuMemcpyHtoDAsync(" + 4L * count + " bytes)", e);
        }
    }

    /** Copies {@code count} floats to the host after all queued work; returns when they are there. */
    public void download(DeviceBuffer src, long srcByteOffset, float[] dst, int dstOffset, int count) {
        makeCurrent();
        float[] whole = dstOffset == 0 ? dst : new float[count];
        try {
            JCudaDriver.cuMemcpyDtoHAsync(Pointer.to(whole), src.at(srcByteOffset), 4L * count, stream);
            JCudaDriver.cuStreamSynchronize(stream);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuMemcpyDtoHAsync(" + 4L * count + " bytes) + cuStreamSynchronize", e);
        }
        if (whole != dst) {
            System.arraycopy(whole, 0, dst, dstOffset, count);
        }
    }

    /** Copies {@code count} ints to the host after all queued work. */
    public void download(DeviceBuffer src, long srcByteOffset, int[] dst, int dstOffset, int count) {
        makeCurrent();
        int[] whole = dstOffset == 0 ? dst : new int[count];
        try {
            JCudaDriver.cuMemcpyDtoHAsync(Pointer.to(whole), src.at(srcByteOffset), 4L * count, stream);
            JCudaDriver.cuStreamSynchronize(stream);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuMemcpyDtoHAsync(" + 4L * count + " bytes) + cuStreamSynchronize", e);
        }
        if (whole != dst) {
            System.arraycopy(whole, 0, dst, dstOffset, count);
        }
    }

    /** Queues a device-to-device copy of {@code bytes} bytes (the ranges must not overlap). */
    public void copy(DeviceBuffer src, long srcByteOffset, DeviceBuffer dst, long dstByteOffset, long bytes) {
        makeCurrent();
        try {
            JCudaDriver.cuMemcpyDtoDAsync(dst.at(dstByteOffset), src.at(srcByteOffset), bytes, stream);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuMemcpyDtoDAsync(" + bytes + " bytes)", e);
        }
    }

    /**
     * Queues a pitched device-to-device copy: {@code rows} rows of {@code widthBytes}, rows
     * {@code srcPitch} / {@code dstPitch} bytes apart (each pitch at least {@code widthBytes}).
     */
    public void copy2D(DeviceBuffer src, long srcByteOffset, long srcPitch, DeviceBuffer dst, long dstByteOffset,
                       long dstPitch, long widthBytes, long rows) {
        makeCurrent();
        CUDA_MEMCPY2D m = new CUDA_MEMCPY2D();
        m.srcMemoryType = CUmemorytype.CU_MEMORYTYPE_DEVICE;
        m.srcDevice = src.at(srcByteOffset);
        m.srcPitch = srcPitch;
        m.dstMemoryType = CUmemorytype.CU_MEMORYTYPE_DEVICE;
        m.dstDevice = dst.at(dstByteOffset);
        m.dstPitch = dstPitch;
        m.WidthInBytes = widthBytes;
        m.Height = rows;
        try {
            JCudaDriver.cuMemcpy2DAsync(m, stream);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuMemcpy2DAsync(" + rows + " rows of " + widthBytes + " bytes)", e);
        }
    }

    /** Queues setting {@code count} 32-bit words to {@code bits}. */
    public void fill32(DeviceBuffer dst, long dstByteOffset, int bits, long count) {
        makeCurrent();
        try {
            JCudaDriver.cuMemsetD32Async(dst.at(dstByteOffset), bits, count, stream);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuMemsetD32Async(" + count + " words)", e);
        }
    }

    /** Waits for every queued operation on the stream; asynchronous kernel errors surface here. */
    public void synchronize() {
        makeCurrent();
        try {
            JCudaDriver.cuStreamSynchronize(stream);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuStreamSynchronize", e);
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /** Destroys the stream and releases the primary context. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        makeCurrent();
        try {
            JCudaDriver.cuStreamSynchronize(stream);
            JCudaDriver.cuStreamDestroy(stream);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuStreamDestroy", e);
        } finally {
            JCudaDriver.cuDevicePrimaryCtxRelease(device);
            CURRENT.remove();
        }
    }
}
