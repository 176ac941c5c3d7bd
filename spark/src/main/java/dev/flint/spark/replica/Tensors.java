package dev.flint.spark.replica;

import dev.flint.backend.Backend;
import dev.flint.io.HostTensor;
import dev.flint.backend.DType;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;

/**
 * The module's only calls into the tensor factories (which core is renaming): batches from host arrays,
 * and zero gradients. Everything else in {@code dev.flint.spark} goes through here.
 */
public final class Tensors {
    private Tensors() {
    }

    /** A float32 tensor of {@code dims} holding {@code values} (copied) on {@code backend}. */
    public static Tensor floats(float[] values, int[] dims, Backend backend) {
        return Tensor.on(backend).fromFloats(values, Shape.of(dims));
    }

    /** An int32 vector holding {@code values} (copied) on {@code backend}. */
    public static Tensor ints(int[] values, Backend backend) {
        return Tensor.on(backend).fromInts(values, Shape.of(values.length));
    }

    /** A float32 tensor of zeros shaped like {@code like}, on its backend. */
    public static Tensor zerosLike(Tensor like) {
        return Tensor.on(like.backend()).zeros(like.shape());
    }

    /** A tensor holding {@code host}'s values (float32 or int32) on {@code backend}. */
    public static Tensor fromHost(HostTensor host, Backend backend) {
        return host.dtype() == DType.FLOAT32 ? Tensor.on(backend).fromFloats(host.floats(), Shape.of(host.shape()))
                : Tensor.on(backend).fromInts(host.ints(), Shape.of(host.shape()));
    }
}
