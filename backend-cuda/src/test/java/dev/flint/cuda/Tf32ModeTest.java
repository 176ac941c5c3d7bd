package dev.flint.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What flint.cuda.tf32 and NVIDIA_TF32_OVERRIDE together make of the GEMM math, and how it is reported. */
class Tf32ModeTest {

    @Test
    void withoutTheOverrideThePropertyDecides() {
        assertFalse(new Tf32Mode(false, null).effective());
        assertTrue(new Tf32Mode(true, null).effective());
        assertEquals("GEMM FP32", new Tf32Mode(false, null).describe());
        assertEquals("GEMM TF32 (flint.cuda.tf32=true)", new Tf32Mode(true, null).describe());
        assertEquals("", new Tf32Mode(false, null).note());
        assertFalse(new Tf32Mode(false, "yes").overridden(), "NVIDIA's libraries act on 0 and 1 only");
        assertEquals("GEMM FP32", new Tf32Mode(false, "").describe());
    }

    @Test
    void oneTurnsTf32OnOverAnFp32Request() {
        Tf32Mode m = new Tf32Mode(false, "1");
        assertTrue(m.effective());
        assertEquals("GEMM TF32 (NVIDIA_TF32_OVERRIDE=1 in the environment: cuBLAS may use TF32 for FP32 GEMM although"
                + " flint.cuda.tf32=false asks for exact FP32; results can differ from the CPU backend's beyond FP32"
                + " tolerances)", m.describe());
    }

    @Test
    void zeroTurnsTf32OffOverATf32Request() {
        Tf32Mode m = new Tf32Mode(true, "0");
        assertFalse(m.effective());
        assertEquals("NVIDIA_TF32_OVERRIDE=0 in the environment: cuBLAS uses exact FP32 although flint.cuda.tf32=true"
                + " asks for TF32", m.note());
    }

    @Test
    void anOverrideThatAgreesIsStillNamed() {
        assertEquals("GEMM FP32 (NVIDIA_TF32_OVERRIDE=0 in the environment (exact FP32, as flint.cuda.tf32=false"
                + " asks))", new Tf32Mode(false, "0").describe());
        assertEquals("NVIDIA_TF32_OVERRIDE=1 in the environment (TF32, as flint.cuda.tf32=true asks)",
                new Tf32Mode(true, "1").note());
    }
}
