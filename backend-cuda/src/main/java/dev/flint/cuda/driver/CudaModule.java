package dev.flint.cuda.driver;

import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;

/**
 * A loaded module (PTX, cubin or fatbin image) and its kernels.
 *
 * <pre>{@code
 * CudaModule m = CudaModule.load(ctx, "softmax.sm_90.cubin", bytes);
 * CudaFunction f = m.function("softmax_forward_block_f32");
 * }</pre>
 */
public final class CudaModule implements AutoCloseable {
    private final CudaContext context;
    private final String name;
    private final CUmodule module = new CUmodule();
    private boolean unloaded;

    private CudaModule(CudaContext context, String name) {
        this.context = context;
        this.name = name;
    }

    /**
     * Loads an image with {@code cuModuleLoadData}. PTX must end with a NUL byte; the driver
     * JIT-compiles it for the current device (which needs a driver that knows the PTX's ISA version).
     */
    public static CudaModule load(CudaContext context, String name, byte[] image) {
        CudaModule m = new CudaModule(context, name);
        context.makeCurrent();
        try {
            JCudaDriver.cuModuleLoadData(m.module, image);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuModuleLoadData(" + name + ", " + image.length + " bytes)", e);
        }
        return m;
    }

    /** The kernel named {@code kernel} ({@code extern "C"}, so unmangled). */
    public CudaFunction function(String kernel) {
        CUfunction f = new CUfunction();
        try {
            JCudaDriver.cuModuleGetFunction(f, module, kernel);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuModuleGetFunction(" + name + ", " + kernel + ")", e);
        }
        return new CudaFunction(context, kernel, f);
    }

    public String name() {
        return name;
    }

    @Override
    public void close() {
        if (unloaded || context.isClosed()) {
            return;
        }
        unloaded = true;
        context.makeCurrent();
        try {
            JCudaDriver.cuModuleUnload(module);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuModuleUnload(" + name + ")", e);
        }
    }
}
