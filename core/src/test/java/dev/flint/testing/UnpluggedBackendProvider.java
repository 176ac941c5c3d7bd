package dev.flint.testing;

import dev.flint.backend.Availability;
import dev.flint.backend.Backend;
import dev.flint.backend.BackendProvider;
import dev.flint.backend.BackendUnavailableException;

/**
 * A backend that is found but can never run, as a GPU backend is on a machine without a driver:
 * it lets flint-core's tests check how selection reports and rejects unusable backends.
 */
public final class UnpluggedBackendProvider implements BackendProvider {
    /** The reason every probe gives. */
    public static final String REASON = "libunplugged.so.1 not found (test double)";

    @Override
    public String name() {
        return "unplugged";
    }

    @Override
    public int priority() {
        return 50;
    }

    @Override
    public Availability probe() {
        return Availability.unusable(REASON);
    }

    @Override
    public Backend create() {
        throw new BackendUnavailableException("backend 'unplugged' unavailable: " + REASON);
    }
}
