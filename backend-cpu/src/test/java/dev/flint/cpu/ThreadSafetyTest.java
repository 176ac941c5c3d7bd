package dev.flint.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Scope;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import dev.flint.tensor.TensorFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The thread-safety contract of the README, under stress (many threads, many iterations, bounded
 * time), on the CPU backend with its own worker threads: what the contract allows is correct, what
 * it forbids fails loudly where that is cheap to detect.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ThreadSafetyTest {
    private static final int THREADS = 8;
    private final Backend cpu = Backends.get("cpu");
    private final TensorFactory t = Tensor.on(cpu);

    /** Runs {@code task(thread index)} on THREADS threads started together; returns their results. */
    private static <T> List<T> together(int threads, IndexedTask<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int index = i;
                futures.add(pool.submit((Callable<T>) () -> {
                    start.await();
                    return task.run(index);
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(100, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    @FunctionalInterface
    interface IndexedTask<T> {
        T run(int index) throws Exception;
    }

    @Test
    void aSharedWeightServesManyThreadsAtOnce() throws Exception {
        // Before: a lazy w.t() view threw NullPointerExceptions in ~5% of trials and freed w's storage.
        Tensor w = t.randn(Shape.of(32, 64), new Rng(1));
        Tensor b = t.randn(Shape.of(32), new Rng(2));
        float[] before = w.toFloatArray();
        Tensor x = t.randn(Shape.of(16, 64), new Rng(3));
        float[] expected = x.matmul(w, false, true).add(b).relu().toFloatArray();
        List<Integer> wrong = together(THREADS, i -> {
            int mismatches = 0;
            for (int it = 0; it < 300; it++) {
                try (Scope step = Scope.open()) {
                    Tensor y = switch (it % 3) {
                        case 0 -> x.linear(w, b);
                        case 1 -> x.matmul(w, false, true).add(b);
                        default -> x.matmul(w.t()).add(b);
                    };
                    if (!java.util.Arrays.equals(expected, y.relu().toFloatArray())) {
                        mismatches++;
                    }
                }
            }
            return mismatches;
        });
        assertEquals(List.of(0, 0, 0, 0, 0, 0, 0, 0), wrong, "results per thread that differ from one thread's");
        assertArrayEquals(before, w.toFloatArray(), "the shared weight is intact");
    }

    @Test
    void backwardOnManyThreadsIntoSharedParametersAddsEveryContribution() throws Exception {
        // Before: 4 of 300 trials lost contributions. Integers keep float sums exact in any order.
        int iterations = 150;
        Tensor w = t.zeros(Shape.of(4, 8)).requiresGrad(true);
        together(THREADS, i -> {
            float[] xs = new float[32];
            for (int k = 0; k < xs.length; k++) {
                xs[k] = (i + 1) * (k % 5 + 1);
            }
            for (int it = 0; it < iterations; it++) {
                try (Scope step = Scope.open()) {
                    w.mul(t.fromFloats(xs, Shape.of(4, 8))).sum().backward();
                }
            }
            return null;
        });
        float[] grad = w.grad().toFloatArray();
        for (int k = 0; k < grad.length; k++) {
            float expected = iterations * 36f * (k % 5 + 1);   // sum over threads of (i + 1) = 36
            assertEquals(expected, grad[k], "element " + k);
        }
    }

    @Test
    void twoThreadsBackwardThroughOneGraphCannotBothRun() throws Exception {
        // Forbidden and detected: exactly one pass runs (the graph is freed by it), never a double count.
        for (int trial = 0; trial < 50; trial++) {
            Tensor w = t.fromFloats(new float[] {1, 2, 3}, Shape.of(3)).requiresGrad(true);
            Tensor loss = w.square().sum();
            AtomicInteger refused = new AtomicInteger();
            together(4, i -> {
                try {
                    loss.backward();
                } catch (IllegalStateException e) {
                    assertTrue(e.getMessage().contains("already used"), e.getMessage());
                    refused.incrementAndGet();
                }
                return null;
            });
            assertEquals(3, refused.get(), "trial " + trial);
            assertArrayEquals(new float[] {2, 4, 6}, w.grad().toFloatArray(), "trial " + trial);
        }
    }

    @Test
    void aScopeBelongsToItsThread() throws Exception {
        Scope scope = Scope.open();
        try {
            Tensor mine = t.ones(Shape.of(2));
            List<String> errors = together(1, i -> {
                IllegalStateException e = assertThrows(IllegalStateException.class, scope::close);
                return e.getMessage();
            });
            assertTrue(errors.get(0).contains("belongs to the thread"), errors.get(0));
            Tensor made = together(1, i -> t.ones(Shape.of(2))).get(0);
            scope.close();
            assertTrue(mine.isClosed(), "the scope closed what its thread made");
            assertTrue(!made.isClosed(), "a tensor made on another thread is not adopted");
            made.close();
        } finally {
            scope.close();
        }
    }
}
