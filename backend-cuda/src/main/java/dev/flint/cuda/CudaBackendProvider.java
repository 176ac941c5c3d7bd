package dev.flint.cuda;

import dev.flint.backend.Availability;
import dev.flint.backend.Backend;
import dev.flint.backend.BackendProvider;
import dev.flint.backend.BackendUnavailableException;

/**
 * Finds the CUDA backend for {@code Backends} (listed in {@code META-INF/services}). Priority 100, so
 * {@code Backends.auto()} prefers it to the CPU wherever it is usable. Constructing the provider touches
 * no native code; {@link #probe()} does, once per JVM, and never throws.
 *
 * <pre>{@code
 * Availability a = new CudaBackendProvider().probe();
 * if (!a.usable()) System.out.println(a.detail());   // "libcuda.so.1 not found (no NVIDIA driver)"
 * }</pre>
 */
public final class CudaBackendProvider implements BackendProvider {

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Availability probe() {
        return CudaProbe.get().availability();
    }

    /** A new backend (its own stream and memory pool) on the probed device. */
    @Override
    public Backend create() {
        CudaProbe.Result probe = CudaProbe.get();
        if (!probe.availability().usable()) {
            throw new BackendUnavailableException("backend 'cuda' unavailable: " + probe.availability().detail());
        }
        try {
            return new CudaBackend(probe.device(), probe.cublas());
        } catch (RuntimeException e) {
            throw new BackendUnavailableException("backend 'cuda' unavailable: creating it on " + probe.device()
                    + " failed: " + e.getMessage(), e);
        }
    }
}
