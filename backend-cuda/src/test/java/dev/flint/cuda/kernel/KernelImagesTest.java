package dev.flint.cuda.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which image each GPU generation loads: a cubin of its own major architecture, else the PTX. */
class KernelImagesTest {
    private static final List<Integer> SHIPPED = KernelImages.CUBIN_ARCHS;

    @Test
    void hopperLoadsTheSm90Cubin() {
        assertEquals("softmax.sm_90.cubin", KernelImages.choose("softmax", 9, 0, SHIPPED));
    }

    @Test
    void everyAmpereAndAdaLoadsTheSm80Cubin() {
        assertEquals("conv.sm_80.cubin", KernelImages.choose("conv", 8, 0, SHIPPED));
        assertEquals("conv.sm_80.cubin", KernelImages.choose("conv", 8, 6, SHIPPED));
        assertEquals("conv.sm_80.cubin", KernelImages.choose("conv", 8, 9, SHIPPED));
    }

    @Test
    void turingAndBlackwellJitThePtx() {
        assertEquals("reduce.ptx", KernelImages.choose("reduce", 7, 5, SHIPPED));
        assertEquals("reduce.ptx", KernelImages.choose("reduce", 10, 0, SHIPPED));
        assertEquals("reduce.ptx", KernelImages.choose("reduce", 12, 0, SHIPPED));
        assertTrue(KernelImages.needsPtx(7, 5));
        assertFalse(KernelImages.needsPtx(9, 0));
    }

    @Test
    void aCubinNeverRunsOnAnOlderMinor() {
        assertEquals("x.ptx", KernelImages.choose("x", 8, 0, List.of(86)));
        assertEquals("x.sm_86.cubin", KernelImages.choose("x", 8, 9, List.of(80, 86)));
    }
}
