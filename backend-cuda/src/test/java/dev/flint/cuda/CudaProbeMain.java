package dev.flint.cuda;

import dev.flint.backend.Availability;
import dev.flint.backend.Backend;
import dev.flint.backend.BackendUnavailableException;

/**
 * Run in a separate JVM by CudaProbeStandInTest: loads the given stand-in libraries by absolute path,
 * probes the CUDA backend, and when it is usable tries to create it; prints one line for each.
 */
public final class CudaProbeMain {
    private CudaProbeMain() {
    }

    public static void main(String[] args) {
        for (String lib : args) {
            System.load(lib);
        }
        CudaBackendProvider provider = new CudaBackendProvider();
        Availability a = provider.probe();
        System.out.println("PROBE usable=" + a.usable() + " detail=" + a.detail());
        if (a.usable()) {
            try (Backend b = provider.create()) {
                System.out.println("CREATE ok " + b.deviceDescription());
            } catch (BackendUnavailableException e) {
                System.out.println("CREATE failed: " + e.getMessage());
            }
        }
    }
}
