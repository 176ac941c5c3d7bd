package dev.flint.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Availability;
import dev.flint.backend.Backend;
import dev.flint.backend.BackendProvider;
import dev.flint.backend.Backends;
import org.junit.jupiter.api.Test;

class CpuBackendProviderTest {

    @Test
    void serviceLoaderFindsCpuByName() {
        Backend cpu = Backends.get("cpu");
        assertInstanceOf(CpuBackend.class, cpu);
        assertEquals("cpu", cpu.name());
        assertSame(cpu, Backends.get("CPU"), "one shared instance per name, case-insensitive");
        assertTrue(Backends.providers().stream().anyMatch(p -> p instanceof CpuBackendProvider),
                "providers: " + Backends.providers());
    }

    @Test
    void reportListsCpuAsUsable() {
        String report = Backends.report();
        assertTrue(report.lines().anyMatch(l -> l.contains("cpu") && l.contains("usable") && l.contains("threads")),
                report);
    }

    @Test
    void probeIsAlwaysUsableAndSaysThreadsAndVectorApi() {
        BackendProvider provider = new CpuBackendProvider();
        assertEquals("cpu", provider.name());
        assertEquals(0, provider.priority());
        Availability a = provider.probe();
        assertTrue(a.usable());
        assertTrue(a.detail().matches("\\d+ threads?, Vector API: (on|off)"), a.detail());
        assertTrue(provider.create().deviceDescription().contains("Vector API"));
    }
}
