package dev.flint.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A leaf keeps a gradient the backward pass made for it alone instead of copying it (as PyTorch's
 * AccumulateGrad does), and never one that anything else can still reach: a gradient handed on
 * unchanged, one shared by two inputs, or a view of another. Each leaf's gradient stays its own.
 */
class GradientKeepingTest {
    private final AtomicInteger copies = new AtomicInteger();
    private final Backend reference = Backends.get("reference");
    /** The reference backend, counting copyBlocks (what a copied gradient costs). */
    private final Backend counting = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(),
            new Class<?>[] {Backend.class}, (proxy, method, args) -> {
                if (method.getName().equals("copyBlocks")) {
                    copies.incrementAndGet();
                }
                try {
                    return method.invoke(reference, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
    private final TensorFactory t = Tensor.on(counting);

    private Tensor leaf(Shape shape, float... v) {
        return t.fromFloats(v, shape).requiresGrad(true);
    }

    @Test
    void aWeightKeepsTheGradientOfItsProductWithoutACopy() {
        Tensor x = t.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, Shape.of(2, 3));
        Tensor w = leaf(Shape.of(3, 2), 1, 0, 0, 1, 1, 1);
        try (Scope scope = Scope.open()) {
            Tensor loss = x.matmul(w).sum();
            copies.set(0);
            loss.backward();
            assertEquals(0, copies.get(), "copyBlocks calls during backward");
        }
        // d/dw sum(x w) = x^T 1: column sums of x, in both columns; it outlives the pass and the scope
        assertArrayEquals(new float[] {5, 5, 7, 7, 9, 9}, w.grad().toFloatArray());
        x.matmul(w).sum().backward();           // a second pass adds into the kept gradient
        assertArrayEquals(new float[] {10, 10, 14, 14, 18, 18}, w.grad().toFloatArray());
    }

    @Test
    void aGradientHandedToTwoLeavesIsCopiedForEach() {
        Tensor a = leaf(Shape.of(3), 1, 2, 3);
        Tensor b = leaf(Shape.of(3), 4, 5, 6);
        a.add(b).sum().backward();              // add hands the same gradient to both
        assertNotSame(a.grad(), b.grad());
        a.mul(5f).sum().backward();             // a's gradient grows, b's must not
        assertArrayEquals(new float[] {6, 6, 6}, a.grad().toFloatArray());
        assertArrayEquals(new float[] {1, 1, 1}, b.grad().toFloatArray());
        a.zeroGrad();
        assertArrayEquals(new float[] {1, 1, 1}, b.grad().toFloatArray());
    }

    @Test
    void viewsOfOneGradientAreCopiedForEachLeaf() {
        Tensor a = leaf(Shape.of(4), 1, 2, 3, 4);
        Tensor b = leaf(Shape.of(4), 5, 6, 7, 8);
        Tensor c = t.fromFloats(new float[] {1, 2, 3, 4}, Shape.of(2, 2));
        // each reshape's gradient is a view of the one gradient of mul: their storage is shared
        a.reshape(2, 2).add(b.reshape(2, 2)).mul(c).sum().backward();
        assertArrayEquals(new float[] {1, 2, 3, 4}, a.grad().toFloatArray());
        b.mul(10f).sum().backward();
        assertArrayEquals(new float[] {1, 2, 3, 4}, a.grad().toFloatArray());
        assertArrayEquals(new float[] {11, 12, 13, 14}, b.grad().toFloatArray());
        b.zeroGrad();
        assertFalse(a.grad().isClosed());
        assertArrayEquals(new float[] {1, 2, 3, 4}, a.grad().toFloatArray());
    }

    @Test
    void aLeafUsedTwiceSumsIntoTheGradientItKept() {
        Tensor w = leaf(Shape.of(2, 2), 1, 2, 3, 4);
        Tensor x = t.fromFloats(new float[] {1, 1, 1, 1}, Shape.of(2, 2));
        // w enters twice: through a product (a gradient of its own) and squared
        x.matmul(w).sum().add(w.square().sum()).backward();
        // d/dw = x^T 1 + 2w = 2 + 2w
        assertArrayEquals(new float[] {4, 6, 8, 10}, w.grad().toFloatArray());
    }
}
