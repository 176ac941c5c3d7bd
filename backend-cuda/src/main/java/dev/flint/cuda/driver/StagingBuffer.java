package dev.flint.cuda.driver;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.Pointer;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * Page-locked host memory ({@code cuMemAllocHost}) through which {@link CudaContext} copies between Java
 * arrays and the device, in two halves used in turn, each with an event recorded after the last copy
 * that uses it.
 *
 * <p>Why not hand the Java array to the driver: JCuda pins a heap array only for the duration of the
 * JNI call ({@code GetPrimitiveArrayCritical}), so an asynchronous copy would read or write it after
 * the JVM has released it (and may have moved it). That is safe only while the driver copies pageable
 * memory synchronously, which CUDA documents as behaviour, not as a contract. Here the driver only ever
 * sees memory we own until {@link #close()}: an upload copies the array into the current half, after
 * what earlier uploads put there, and queues the DMA from it; a download queues the DMA into a half and
 * copies it out once the stream has got there. The host waits for a half's event only when it moves on
 * to that half again (the current one is full), so the small uploads of a training loop (a batch and its
 * labels per step) fill a half over many steps and never make the host wait for the device. Transfers
 * longer than a half go in chunks, the host copy of one chunk overlapping the DMA of the other.
 *
 * <p>Allocated on first use, reused by every transfer, freed by {@link #close()}.
 */
final class StagingBuffer implements AutoCloseable {
    /** Default bytes per half: large enough that a chunk's fixed cost (a sync, ~10 us) is noise. */
    static final long DEFAULT_HALF_BYTES = 4L << 20;

    /** Copies one chunk between the Java array and a half (a float[] or int[] and its offset). */
    interface HostArray {
        /** Elements {@code [from, from + n)} of the array into {@code half} (position 0). */
        void toStaging(ByteBuffer half, int from, int n);

        /** {@code n} elements of {@code half} into the array at {@code to}. */
        void fromStaging(ByteBuffer half, int to, int n);
    }

    private final CudaContext context;
    private final long halfBytes;
    private Pointer host;
    private final ByteBuffer[] halves = new ByteBuffer[2];
    private final CUevent[] done = new CUevent[2];
    private final boolean[] pending = new boolean[2];
    /** The half uploads go into, and how many of its bytes earlier uploads have used since it was free. */
    private int current;
    private long used;
    private boolean closed;

    StagingBuffer(CudaContext context, long halfBytes) {
        if (halfBytes < 4 || halfBytes % 4 != 0 || halfBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("staging buffer: " + halfBytes + " bytes per half; expected a multiple"
                    + " of 4 in [4, 2^31 - 1]");
        }
        this.context = context;
        this.halfBytes = halfBytes;
    }

    /** Queues a copy of {@code count} 4-byte elements of {@code src} to {@code dst}; returns once they are staged. */
    synchronized void upload(HostArray src, DeviceBuffer dst, long dstByteOffset, int count, CUstream stream) {
        ensureAllocated();
        int perChunk = (int) (halfBytes / 4);
        for (int i = 0; i < count; i += perChunk) {
            int n = Math.min(perChunk, count - i);
            long bytes = 4L * n;
            if (used + bytes > halfBytes) {
                current ^= 1;                            // the other half, once its last DMA has read it
                awaitHalf(current);
                used = 0;
            }
            src.toStaging(halves[current].slice((int) used, (int) bytes).order(ByteOrder.nativeOrder()), i, n);
            try {
                JCudaDriver.cuMemcpyHtoDAsync(dst.at(dstByteOffset + 4L * i), at(current, used), bytes, stream);
                JCudaDriver.cuEventRecord(done[current], stream);
                context.countQueued();
            } catch (jcuda.CudaException e) {
                throw CudaException.from("cuMemcpyHtoDAsync(" + bytes + " bytes, from pinned staging)", e);
            }
            pending[current] = true;
            used = (used + bytes + 63) & ~63L;          // the next one starts on a cache line
        }
    }

    /** Copies {@code count} 4-byte elements from {@code src} into {@code dst} after all queued work; waits. */
    synchronized void download(DeviceBuffer src, long srcByteOffset, HostArray dst, int count, CUstream stream) {
        ensureAllocated();
        int perChunk = (int) (halfBytes / 4);
        // Chunks go into the two halves in turn from the start, after any queued upload from them: stream
        // order puts each DMA into a half behind every upload still reading it, so the host need not wait
        // before queueing; it reads a half only after the event that follows the DMA into it.
        int first = current ^ 1;
        queueDownload(src, srcByteOffset, 0, Math.min(perChunk, count), first, stream);
        for (int i = 0, h = first; i < count; i += perChunk, h ^= 1) {
            int n = Math.min(perChunk, count - i);
            if (i + perChunk < count) {
                queueDownload(src, srcByteOffset, i + perChunk, Math.min(perChunk, count - i - perChunk), h ^ 1, stream);
            }
            if (i + perChunk >= count) {
                // The last chunk: wait for the whole stream, so that an asynchronous kernel failure surfaces
                // here as before (cuStreamSynchronize reports it). Both halves are free after it.
                context.synchronize();
                pending[0] = false;
                pending[1] = false;
                used = 0;
            } else {
                awaitHalf(h);
            }
            dst.fromStaging(halves[h], i, n);
        }
    }

    private void queueDownload(DeviceBuffer src, long srcByteOffset, int from, int n, int h, CUstream stream) {
        long bytes = 4L * n;
        try {
            JCudaDriver.cuMemcpyDtoHAsync(at(h, 0), src.at(srcByteOffset + 4L * from), bytes, stream);
            JCudaDriver.cuEventRecord(done[h], stream);
            context.countQueued();
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuMemcpyDtoHAsync(" + bytes + " bytes, into pinned staging)", e);
        }
        pending[h] = true;
    }

    /** The pinned address {@code offset} bytes into half {@code h}. */
    private Pointer at(int h, long offset) {
        long o = h * halfBytes + offset;
        return o == 0 ? host : host.withByteOffset(o);
    }

    /** Waits until no queued copy still uses half {@code h}. */
    private void awaitHalf(int h) {
        if (pending[h]) {
            try {
                JCudaDriver.cuEventSynchronize(done[h]);
            } catch (jcuda.CudaException e) {
                throw CudaException.from("cuEventSynchronize(staging buffer)", e);
            }
            pending[h] = false;
        }
    }

    private void ensureAllocated() {
        if (closed) {
            throw new IllegalStateException("cuda: transfer after the context was closed");
        }
        if (host != null) {
            return;
        }
        Pointer p = new Pointer();
        try {
            JCudaDriver.cuMemAllocHost(p, 2 * halfBytes);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuMemAllocHost(" + 2 * halfBytes + " bytes, staging buffer)", e);
        }
        try {
            for (int h = 0; h < 2; h++) {
                done[h] = new CUevent();
                JCudaDriver.cuEventCreate(done[h], CUevent_flags.CU_EVENT_DISABLE_TIMING);
            }
        } catch (jcuda.CudaException e) {
            destroyEvents();
            JCudaDriver.cuMemFreeHost(p);
            throw CudaException.from("cuEventCreate(staging buffer)", e);
        }
        host = p;
        for (int h = 0; h < 2; h++) {
            halves[h] = p.getByteBuffer(h * halfBytes, halfBytes).order(ByteOrder.nativeOrder());
        }
    }

    /** Frees the pinned memory and the events; the caller has synchronized the stream. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (host == null) {
            return;
        }
        halves[0] = null;
        halves[1] = null;
        try {
            destroyEvents();
            JCudaDriver.cuMemFreeHost(host);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuMemFreeHost(staging buffer)", e);
        } finally {
            host = null;
        }
    }

    private void destroyEvents() {
        for (int h = 0; h < 2; h++) {
            if (done[h] != null) {
                CUevent e = done[h];
                done[h] = null;
                JCudaDriver.cuEventDestroy(e);
            }
        }
    }

    /** Bytes of pinned host memory held (0 before the first transfer and after close). */
    synchronized long pinnedBytes() {
        return host == null ? 0 : 2 * halfBytes;
    }
}
