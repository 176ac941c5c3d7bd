package dev.flint.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Availability;
import dev.flint.backend.BackendProvider;
import dev.flint.backend.BackendUnavailableException;
import dev.flint.backend.Backends;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What users see of the CUDA backend on any machine: it is found, it says precisely why it cannot run
 * (on a machine without a GPU, like CI), and nothing crashes. On a GPU machine the same tests check the
 * other side: usable, chosen by {@code auto}, and described.
 */
class CudaAvailabilityTest {

    @Test
    void providerIsFoundByServiceLoaderWithPriorityAboveTheCpu() {
        List<BackendProvider> providers = Backends.providers();
        BackendProvider cuda = providers.stream().filter(p -> p.name().equals("cuda")).findFirst()
                .orElseThrow(() -> new AssertionError("no 'cuda' provider among " + providers));
        assertEquals(100, cuda.priority(), "cuda priority");
        assertTrue(cuda instanceof CudaBackendProvider, "provider class " + cuda.getClass());
    }

    @Test
    void probeIsCachedAndNeverThrows() {
        Availability first = new CudaBackendProvider().probe();
        Availability second = new CudaBackendProvider().probe();
        assertSame(first, second, "the probe runs once per JVM");
        assertFalse(first.detail().isBlank(), "the probe always says something");
    }

    @Test
    void withoutAGpuTheReasonNamesWhatIsMissing() {
        Availability a = new CudaBackendProvider().probe();
        if (a.usable()) {
            assertTrue(a.detail().contains("compute"), "usable detail names the device: " + a.detail());
            return;
        }
        // This machine and CI have no NVIDIA driver: the reason must say so, in the words of the design.
        boolean noDriver = !new java.io.File("/proc/driver/nvidia").exists();
        if (noDriver) {
            assertEquals("libcuda.so.1 not found (no NVIDIA driver)", a.detail());
        } else {
            assertTrue(a.detail().matches(".*(CUDA device|compute capability|cuBLAS|driver|cuInit).*"),
                    "reason should name the missing piece: " + a.detail());
        }
    }

    @Test
    void getCudaThrowsWithTheReasonWhenUnusable() {
        Availability a = new CudaBackendProvider().probe();
        if (a.usable()) {
            assertEquals("cuda", Backends.get("cuda").name());
            return;
        }
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Backends.get("cuda"));
        assertEquals("backend 'cuda' unavailable: " + a.detail(), e.getMessage());
        BackendUnavailableException direct = assertThrows(BackendUnavailableException.class,
                () -> new CudaBackendProvider().create());
        assertTrue(direct.getMessage().contains(a.detail()), direct.getMessage());
    }

    @Test
    void autoFallsBackToTheCpuAndTheReportSaysWhy() {
        Availability a = new CudaBackendProvider().probe();
        assertEquals(a.usable() ? "cuda" : "cpu", Backends.auto().name(), "auto's choice");
        String report = Backends.report();
        assertTrue(report.contains("cuda"), report);
        assertTrue(report.contains(a.detail()), "the report carries the probe's reason:\n" + report);
    }
}
