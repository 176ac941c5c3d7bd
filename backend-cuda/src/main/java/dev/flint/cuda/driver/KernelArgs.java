package dev.flint.cuda.driver;

import java.util.ArrayList;
import java.util.List;
import jcuda.NativePointerObject;
import jcuda.Pointer;

/**
 * Kernel parameters in declaration order, as {@code cuLaunchKernel} wants them: an array of pointers,
 * each to one argument's bytes. Structs passed by value are int arrays with the struct's layout.
 *
 * <pre>{@code
 * new KernelArgs().ptr(x, 0).ptr(y, 0).i(n).f(alpha).struct(dims)
 * }</pre>
 */
public final class KernelArgs {
    private final List<NativePointerObject> args = new ArrayList<>(12);

    /**
     * A device pointer {@code byteOffset} bytes into {@code buffer}, passed as its 64-bit address: the
     * parameter's bytes are exactly the pointer, whatever JCuda does with offsets of pointer objects.
     */
    public KernelArgs ptr(DeviceBuffer buffer, long byteOffset) {
        args.add(Pointer.to(new long[] {buffer.address(byteOffset)}));
        return this;
    }

    /** A null device pointer (for optional arguments the kernel does not read). */
    public KernelArgs nullPtr() {
        args.add(Pointer.to(new long[] {0L}));
        return this;
    }

    public KernelArgs i(int value) {
        args.add(Pointer.to(new int[] {value}));
        return this;
    }

    public KernelArgs f(float value) {
        args.add(Pointer.to(new float[] {value}));
        return this;
    }

    /** A struct of ints, passed by value. */
    public KernelArgs struct(int[] fields) {
        args.add(Pointer.to(fields));
        return this;
    }

    Pointer pointer() {
        return Pointer.to(args.toArray(new NativePointerObject[0]));
    }
}
