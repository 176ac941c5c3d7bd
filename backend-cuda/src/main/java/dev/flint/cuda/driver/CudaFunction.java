package dev.flint.cuda.driver;

import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.JCudaDriver;

/**
 * One kernel of a loaded module, launched on its context's stream.
 *
 * <pre>{@code
 * f.launch(blocks, 256, 0, new KernelArgs().ptr(x, 0).ptr(y, 0).i(n));
 * }</pre>
 */
public final class CudaFunction {
    private final CudaContext context;
    private final String name;
    private final CUfunction function;
    private final int maxThreadsPerBlock;
    private final int registers;

    CudaFunction(CudaContext context, String name, CUfunction function) {
        this.context = context;
        this.name = name;
        this.function = function;
        this.maxThreadsPerBlock = attribute(CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
        this.registers = attribute(CUfunction_attribute.CU_FUNC_ATTRIBUTE_NUM_REGS);
    }

    public String name() {
        return name;
    }

    /** The most threads per block this kernel can be launched with (limited by its registers). */
    public int maxThreadsPerBlock() {
        return maxThreadsPerBlock;
    }

    /** Registers per thread of the loaded code. */
    public int registers() {
        return registers;
    }

    /** Queues a 1-D launch of {@code blocks} x {@code threads} with {@code sharedBytes} dynamic shared memory. */
    public void launch(long blocks, int threads, int sharedBytes, KernelArgs args) {
        if (blocks < 1 || blocks > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + ": grid of " + blocks + " blocks is outside [1, 2^31 - 1]");
        }
        context.makeCurrent();
        try {
            JCudaDriver.cuLaunchKernel(function, (int) blocks, 1, 1, threads, 1, 1, sharedBytes, context.stream(),
                    args.pointer(), null);
            context.countQueued();
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuLaunchKernel(" + name + ", " + blocks + " x " + threads + ")", e);
        }
    }

    private int attribute(int attribute) {
        int[] value = new int[1];
        try {
            JCudaDriver.cuFuncGetAttribute(value, attribute, function);
        } catch (jcuda.CudaException e) {
            throw CudaException.from("cuFuncGetAttribute(" + name + ")", e);
        }
        return value[0];
    }

    @Override
    public String toString() {
        return name + " (" + registers + " registers)";
    }
}
