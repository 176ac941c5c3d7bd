package dev.flint.cuda.driver;

import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * A failed CUDA driver or cuBLAS call: names the call (with its key arguments) and the CUDA error.
 *
 * <pre>{@code
 * try { buffer = context.allocate(bytes); }
 * catch (CudaException e) { if (e.isOutOfMemory()) { ... } }
 * }</pre>
 */
public class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final String error;

    public CudaException(String call, String error) {
        super(call + " failed: " + error + describe(error));
        this.call = call;
        this.error = error;
    }

    public CudaException(String message, Throwable cause) {
        super(message, cause);
        this.call = cause instanceof CudaException c ? c.call : "";
        this.error = cause instanceof CudaException c ? c.error : "";
    }

    /** Converts JCuda's exception (its message is the bare error name) into ours. */
    static CudaException from(String call, jcuda.CudaException e) {
        String name = e.getMessage() == null ? "unknown CUDA error" : e.getMessage().trim();
        return new CudaException(call, name);
    }

    /** The call that failed, such as {@code "cuMemAlloc(4096 bytes)"}. */
    public String call() {
        return call;
    }

    /** The CUDA error name, such as {@code "CUDA_ERROR_OUT_OF_MEMORY"}. */
    public String error() {
        return error;
    }

    /** Whether the device ran out of memory (the allocator then empties its cache and retries). */
    public boolean isOutOfMemory() {
        return "CUDA_ERROR_OUT_OF_MEMORY".equals(error) || "CUBLAS_STATUS_ALLOC_FAILED".equals(error);
    }

    /** " (the driver's description)" for a driver error name, or "" when none can be had. */
    private static String describe(String error) {
        if (error == null || !error.startsWith("CUDA_ERROR_")) {
            return "";
        }
        try {
            int code = CUresult.class.getField(error).getInt(null);
            String[] text = new String[1];
            JCudaDriver.cuGetErrorString(code, text);
            return text[0] == null ? "" : " (" + text[0] + ")";
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // The description is a courtesy; the error name already says what failed.
            return "";
        }
    }
}
