package dev.flint.cpu.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RowClaimsTest {

    @Test
    void blocksCoverEveryRowOnceAlignedAndShrinking() {
        int[][] cases = {{1024, 8, 96, 2}, {1030, 6, 96, 2}, {5, 8, 96, 2}, {520, 8, 96, 3}, {64, 6, 96, 1}};
        for (int[] s : cases) {
            int rows = s[0];
            int align = s[1];
            RowClaims claims = new RowClaims(rows, align, s[2], s[3], 1);
            String what = rows + " rows, align " + align + ", at most " + s[2] + ", " + s[3] + " threads";
            assertEquals(0, claims.from(0), what);
            assertEquals(rows, claims.to(claims.blocks() - 1), what);
            int last = Integer.MAX_VALUE;
            for (int b = 0; b < claims.blocks(); b++) {
                int size = claims.to(b) - claims.from(b);
                assertTrue(size > 0 && size <= s[2], what + ": block " + b + " has " + size + " rows");
                assertEquals(0, claims.from(b) % align, what + ": block " + b + " starts off the alignment");
                if (b > 0) {
                    assertEquals(claims.to(b - 1), claims.from(b), what + ": blocks " + (b - 1) + " and " + b);
                }
                assertTrue(size <= last || b == claims.blocks() - 1, what + ": sizes shrink, block " + b);
                last = size;
            }
            // the last claims are one alignment unit: the threads finish together
            assertTrue(claims.to(claims.blocks() - 1) - claims.from(claims.blocks() - 1) <= align, what);
        }
    }

    @Test
    void everyStepDealsEveryBlockOnce() {
        RowClaims claims = new RowClaims(300, 8, 96, 2, 3);
        for (int step = 0; step < 3; step++) {
            assertTrue(claims.anyLeft(step));
            for (int b = 0; b < claims.blocks(); b++) {
                assertEquals(b, claims.claim(step), "step " + step);
                assertTrue(claims.await(b, step));
                claims.finish(b);
            }
            assertFalse(claims.anyLeft(step));
            assertEquals(-1, claims.claim(step), "step " + step + " has no block left");
        }
    }

    @Test
    void aBlockWaitsForItsPreviousStep() throws Exception {
        Waiter w = Waiter.onSecondStep();
        Thread.sleep(50);
        assertFalse(w.result().isDone(), "step 1 of block 0 began before its step 0 finished");
        w.claims().finish(0);
        assertTrue(w.result().get(10, TimeUnit.SECONDS));
    }

    @Test
    void aFailureReleasesTheWaitingThreadsAndEndsTheClaims() throws Exception {
        Waiter w = Waiter.onSecondStep();
        w.claims().fail();
        assertFalse(w.result().get(10, TimeUnit.SECONDS), "a waiter must stop when another thread failed");
        assertEquals(-1, w.claims().claim(0));
        assertFalse(w.claims().anyLeft(1));
    }

    /** Block 0 of two steps claimed in both, and another thread waiting to compute its second step. */
    private record Waiter(RowClaims claims, CompletableFuture<Boolean> result) {
        static Waiter onSecondStep() {
            RowClaims claims = new RowClaims(64, 8, 96, 2, 2);
            assertEquals(0, claims.claim(0));
            assertEquals(0, claims.claim(1));
            return new Waiter(claims, CompletableFuture.supplyAsync(() -> claims.await(0, 1)));
        }
    }

    @Test
    void rejectsImpossibleArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RowClaims(0, 8, 96, 2, 1));
        assertTrue(e.getMessage().contains("rows=0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new RowClaims(64, 8, 4, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> new RowClaims(64, 8, 96, 2, 0));
    }
}
