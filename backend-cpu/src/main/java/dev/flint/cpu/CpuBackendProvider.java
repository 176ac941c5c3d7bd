package dev.flint.cpu;

import dev.flint.backend.Availability;
import dev.flint.backend.Backend;
import dev.flint.backend.BackendProvider;
import dev.flint.cpu.parallel.Parallel;

/**
 * Registers the CPU backend with {@link java.util.ServiceLoader} under the name {@code "cpu"},
 * priority 0: always usable, chosen by {@code Backends.auto()} when nothing faster is.
 *
 * <pre>{@code
 * Backend cpu = Backends.get("cpu");   // found through this provider
 * }</pre>
 */
public final class CpuBackendProvider implements BackendProvider {

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Availability probe() {
        return Availability.usable(describeThreads());
    }

    @Override
    public Backend create() {
        return new CpuBackend();
    }

    /** Such as {@code "2 threads, Vector API: on"}. */
    static String describeThreads() {
        int threads = Parallel.threads();
        return threads + (threads == 1 ? " thread" : " threads") + ", Vector API: "
                + (vectorApiPresent() ? "on" : "off");
    }

    /**
     * Whether the Vector API fast path is on: the incubating module must be in the boot layer (the JVM
     * was started with {@code --add-modules jdk.incubator.vector}) and {@code flint.cpu.vector} must not
     * be {@code false}, the same rule the GEMM uses to pick its kernel.
     */
    static boolean vectorApiPresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                && !"false".equalsIgnoreCase(System.getProperty("flint.cpu.vector", "").trim());
    }
}
