package dev.flint.cuda.driver;

import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.JCudaDriver;

/**
 * A CUDA event on a context's stream, for timing GPU work without host overhead.
 *
 * <pre>{@code
 * start.record(); ...queue work...; stop.record();
 * float ms = stop.elapsedSince(start);   // waits for stop
 * }</pre>
 */
public final class CudaEvent implements AutoCloseable {
    private final CudaContext context;
    private final CUevent event = new CUevent();

    public CudaEvent(CudaContext context) {
        this.context = context;
        context.makeCurrent();
        try {
            JCudaDriver.cuEventCreate(event, CUevent_flags.CU_EVENT_DEFAULT);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuEventCreate", e);
        }
    }

    /** Records the event on the stream, after everything queued so far. */
    public void record() {
        context.makeCurrent();
        try {
            JCudaDriver.cuEventRecord(event, context.stream());
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuEventRecord", e);
        }
    }

    /** Milliseconds between {@code start} and this event; waits for this event to complete. */
    public float elapsedSince(CudaEvent start) {
        context.makeCurrent();
        float[] ms = new float[1];
        try {
            JCudaDriver.cuEventSynchronize(event);
            JCudaDriver.cuEventElapsedTime(ms, start.event, event);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuEventElapsedTime", e);
        }
        return ms[0];
    }

    @Override
    public void close() {
        if (context.isClosed()) {
            return;
        }
        context.makeCurrent();
        try {
            JCudaDriver.cuEventDestroy(event);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuEventDestroy", e);
        }
    }
}
