package dev.flint.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * The option checks every command makes before any work. A failed check is a picocli
 * {@link ParameterException}, so the message comes with the usage text and exit status 2; the
 * {@code --backend} check is written here once so that every command names the choices in the same words.
 *
 * <pre>{@code
 * OptionChecks.requireKnownBackend(spec, backend);
 * OptionChecks.require(spec, chars >= 1, "--chars must be at least 1, got " + chars);
 * }</pre>
 */
final class OptionChecks {

    private OptionChecks() {
    }

    /** Throws {@code message} as a usage error of the command {@code spec} when {@code ok} is false. */
    static void require(CommandSpec spec, boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }

    /**
     * Rejects a {@code --backend} value that is no backend name at all; null (the option not given)
     * passes, as the configuration names the backend then. Whether the backend can run here is
     * {@link BackendChoice#resolve}'s question, asked later.
     */
    static void requireKnownBackend(CommandSpec spec, String backend) {
        require(spec, BackendChoice.isKnownOption(backend), "--backend: unknown backend '" + backend
                + "', expected one of " + String.join(", ", BackendChoice.NAMES));
    }
}
