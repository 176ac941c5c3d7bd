package dev.flint.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.testing.UnpluggedBackendProvider;
import org.junit.jupiter.api.Test;

/**
 * Backend selection on flint-core's test class path, which offers the float64 "reference" backend
 * and an "unplugged" one that is found but unusable (as CUDA is without a driver).
 */
class BackendsTest {

    @Test
    void namedUnusableBackendThrowsWithTheReason() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Backends.get("unplugged"));
        assertEquals("backend 'unplugged' unavailable: " + UnpluggedBackendProvider.REASON, e.getMessage());
    }

    @Test
    void unknownBackendListsTheOnesFound() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Backends.get("tpu"));
        assertTrue(e.getMessage().contains("'tpu'") && e.getMessage().contains("no such backend")
                && e.getMessage().contains("reference") && e.getMessage().contains("unplugged"), e.getMessage());
    }

    @Test
    void autoSkipsUnusableBackendsEvenWithHigherPriority() {
        Backend chosen = Backends.auto();
        assertEquals("reference", chosen.name());
        assertSame(chosen, Backends.get("auto"));
        assertSame(chosen, Backends.get(" Reference "));
    }

    @Test
    void reportListsEveryBackendWithUsabilityAndReason() {
        String report = Backends.report();
        assertTrue(report.lines().anyMatch(l -> l.contains("unplugged") && l.contains("unusable")
                && l.contains(UnpluggedBackendProvider.REASON)), report);
        assertTrue(report.lines().anyMatch(l -> l.contains("reference") && l.contains(" usable")), report);
        assertTrue(Backends.providers().get(0).priority() >= Backends.providers().get(1).priority(),
                "providers are sorted by priority");
    }

    @Test
    void systemPropertyNamesTheDefault() {
        String old = System.getProperty(Backends.PROPERTY);
        try {
            System.setProperty(Backends.PROPERTY, "unplugged");
            assertEquals("unplugged", Backends.configuredName());
            Backends.setDefault(null);
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class, Backends::defaultBackend);
            assertTrue(e.getMessage().contains(UnpluggedBackendProvider.REASON), e.getMessage());
            System.setProperty(Backends.PROPERTY, "reference");
            assertEquals("reference", Backends.defaultBackend().name());
        } finally {
            if (old == null) {
                System.clearProperty(Backends.PROPERTY);
            } else {
                System.setProperty(Backends.PROPERTY, old);
            }
            Backends.setDefault(null);
        }
    }
}
