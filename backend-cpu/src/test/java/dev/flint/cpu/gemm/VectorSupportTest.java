package dev.flint.cpu.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/** The kernel choice: forced off by the property, off without the module, on otherwise. */
class VectorSupportTest {

    @Test
    void propertyFalseForcesThePlainKernel() {
        assertSame(PlainKernel.INSTANCE, VectorSupport.choose("false", true));
        assertSame(PlainKernel.INSTANCE, VectorSupport.choose(" FALSE ", true));
        assertTrue(VectorSupport.describe(PlainKernel.INSTANCE, "false").contains("flint.cpu.vector=false"));
    }

    @Test
    void withoutTheModuleThePlainKernelRuns() {
        // modulePresent == false must not even load VectorKernel; the plain kernel comes back
        assertSame(PlainKernel.INSTANCE, VectorSupport.choose(null, false));
        assertSame(PlainKernel.INSTANCE, VectorSupport.choose("true", false));
    }

    @Test
    void withTheModuleTheVectorKernelRuns() {
        // surefire runs with --add-modules jdk.incubator.vector (flint.test.argLine)
        assumeTrue(ModuleLayer.boot().findModule(VectorSupport.MODULE).isPresent(),
                "jdk.incubator.vector is not in the boot layer of this test JVM");
        assumeTrue(VectorKernel.bits() >= 256, "preferred vectors are narrower than 256 bits here");
        Kernel chosen = VectorSupport.choose(null, true);
        assertNotSame(PlainKernel.INSTANCE, chosen);
        assertEquals("Vector API", chosen.name());
        assertTrue(VectorSupport.describe(chosen, null).startsWith("Vector API kernel"));
        assertEquals(chosen.name(), VectorSupport.vectorKernelIfAvailable().name());
    }

    @Test
    void thePlainPathSaysHowToEnableTheFastOne() {
        if (!ModuleLayer.boot().findModule(VectorSupport.MODULE).isPresent()) {
            assertTrue(VectorSupport.describe(PlainKernel.INSTANCE, null)
                    .contains("--add-modules jdk.incubator.vector"));
        } else {
            assertTrue(VectorSupport.describe(PlainKernel.INSTANCE, null).startsWith("plain Java kernel"));
        }
    }
}
