package dev.flint.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Tensors of two backends (the CPU and flint-core's float64 test reference) in one op. */
class MixedBackendsTest {

    @Test
    void mixingBackendsInOneOpNamesBoth() {
        Backend cpu = Backends.get("cpu");
        Backend ref = Backends.get("reference");
        Tensor a = Tensor.on(cpu).ones(Shape.of(2, 3));
        Tensor b = Tensor.on(ref).ones(Shape.of(2, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.add(b));
        assertTrue(e.getMessage().contains("add") && e.getMessage().contains("'cpu'")
                && e.getMessage().contains("'reference'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.matmul(b.t()));
    }

    @Test
    void toMovesDataAndGradientsBetweenBackends() {
        Backend cpu = Backends.get("cpu");
        Backend ref = Backends.get("reference");
        Tensor w = Tensor.on(cpu).fromFloats(new float[] {1, 2, 3}, Shape.of(3)).requiresGrad(true);
        Tensor moved = w.to(ref);
        assertEquals("reference", moved.backend().name());
        moved.mul(moved).sum().backward();
        assertEquals("cpu", w.grad().backend().name());
        assertArrayEquals(new float[] {2, 4, 6}, w.grad().toFloatArray());
    }
}
