package dev.flint.cuda.driver;

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
 * <p>Host transfers go through a pinned staging buffer that the context owns (allocated at the first
 * transfer, freed by {@link #close()}).
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
    /** Bytes of each half of the staging buffer unless a backend says otherwise (flint.cuda.stagingBytes). */
    public static final long DEFAULT_STAGING_BYTES = StagingBuffer.DEFAULT_HALF_BYTES;

    private final StagingBuffer staging;
    /** Operations queued on the stream: kernel launches, cuBLAS calls, copies, fills (see {@link #operationsQueued()}). */
    private final java.util.concurrent.atomic.LongAdder queued = new java.util.concurrent.atomic.LongAdder();
    private volatile boolean closed;

    /**
     * Retains device {@code deviceIndex}'s primary context and creates a non-blocking stream on it, with a
     * pinned staging buffer of the default size for host transfers.
     */
    public CudaContext(int deviceIndex) {
        this(deviceIndex, StagingBuffer.DEFAULT_HALF_BYTES);
    }

    /**
     * As {@link #CudaContext(int)}, staging host transfers through two halves of {@code stagingBytes} bytes
     * of pinned memory each (allocated at the first transfer); longer transfers go in chunks.
     */
    public CudaContext(int deviceIndex, long stagingBytes) {
        this.staging = new StagingBuffer(this, stagingBytes);
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
     * Host arrays go through the pinned staging buffer (see StagingBuffer for why): an upload returns once
     * the data is staged, so the caller may reuse its array at once; a download returns once the data is in
     * the array.
     */

    /** Queues a copy of {@code count} floats from the host; {@code src} may be reused on return. */
    public void upload(float[] src, int srcOffset, DeviceBuffer dst, long dstByteOffset, int count) {
        if (count <= 0) {
            return;
        }
        makeCurrent();
        staging.upload(floats(src, srcOffset), dst, dstByteOffset, count, stream);
    }

    /** Queues a copy of {@code count} ints from the host; {@code src} may be reused on return. */
    public void upload(int[] src, int srcOffset, DeviceBuffer dst, long dstByteOffset, int count) {
        if (count <= 0) {
            return;
        }
        makeCurrent();
        staging.upload(ints(src, srcOffset), dst, dstByteOffset, count, stream);
    }

    /** Copies {@code count} floats to the host after all queued work; returns when they are there. */
    public void download(DeviceBuffer src, long srcByteOffset, float[] dst, int dstOffset, int count) {
        makeCurrent();
        if (count <= 0) {
            synchronize();
            return;
        }
        staging.download(src, srcByteOffset, floats(dst, dstOffset), count, stream);
    }

    /** Copies {@code count} ints to the host after all queued work; returns when they are there. */
    public void download(DeviceBuffer src, long srcByteOffset, int[] dst, int dstOffset, int count) {
        makeCurrent();
        if (count <= 0) {
            synchronize();
            return;
        }
        staging.download(src, srcByteOffset, ints(dst, dstOffset), count, stream);
    }

    /**
     * How many operations have been queued on the stream so far: each kernel launch, cuBLAS call (which may
     * run more than one kernel of its own), copy chunk and fill counts one. For "launches per training step".
     */
    public long operationsQueued() {
        return queued.sum();
    }

    void countQueued() {
        queued.increment();
    }

    /** Bytes of page-locked host memory the staging buffer holds (0 until the first transfer). */
    public long pinnedBytes() {
        return staging.pinnedBytes();
    }

    private static StagingBuffer.HostArray floats(float[] array, int offset) {
        return new StagingBuffer.HostArray() {
            @Override
            public void toStaging(java.nio.ByteBuffer half, int from, int n) {
                half.asFloatBuffer().put(0, array, offset + from, n);
            }

            @Override
            public void fromStaging(java.nio.ByteBuffer half, int to, int n) {
                half.asFloatBuffer().get(0, array, offset + to, n);
            }
        };
    }

    private static StagingBuffer.HostArray ints(int[] array, int offset) {
        return new StagingBuffer.HostArray() {
            @Override
            public void toStaging(java.nio.ByteBuffer half, int from, int n) {
                half.asIntBuffer().put(0, array, offset + from, n);
            }

            @Override
            public void fromStaging(java.nio.ByteBuffer half, int to, int n) {
                half.asIntBuffer().get(0, array, offset + to, n);
            }
        };
    }

    /** Queues a device-to-device copy of {@code bytes} bytes (the ranges must not overlap). */
    public void copy(DeviceBuffer src, long srcByteOffset, DeviceBuffer dst, long dstByteOffset, long bytes) {
        makeCurrent();
        try {
            JCudaDriver.cuMemcpyDtoDAsync(dst.at(dstByteOffset), src.at(srcByteOffset), bytes, stream);
            queued.increment();
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
            queued.increment();
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuMemcpy2DAsync(" + rows + " rows of " + widthBytes + " bytes)", e);
        }
    }

    /** Queues setting {@code count} 32-bit words to {@code bits}. */
    public void fill32(DeviceBuffer dst, long dstByteOffset, int bits, long count) {
        makeCurrent();
        try {
            JCudaDriver.cuMemsetD32Async(dst.at(dstByteOffset), bits, count, stream);
            queued.increment();
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

    /** Frees the staging buffer, destroys the stream and releases the primary context. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        makeCurrent();
        try {
            JCudaDriver.cuStreamSynchronize(stream);
            staging.close();
            JCudaDriver.cuStreamDestroy(stream);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuStreamDestroy", e);
        } finally {
            JCudaDriver.cuDevicePrimaryCtxRelease(device);
            CURRENT.remove();
        }
    }
}
