package dev.flint.cli;

import dev.flint.backend.Backend;
import dev.flint.backend.BackendUnavailableException;
import dev.flint.backend.Backends;
import java.util.List;
import java.util.Locale;

/**
 * Resolves the {@code --backend} option and makes the choice the program-wide default. Without the
 * option the command chooses exactly as the library does ({@link Backends#defaultBackend()}): the system
 * property {@value Backends#PROPERTY}, else the environment variable {@value Backends#ENV}, else
 * {@code auto}.
 */
final class BackendChoice {
    static final List<String> NAMES = List.of("auto", "cpu", "cuda");

    private BackendChoice() {
    }

    /**
     * The backend named by {@code option}, or when it is null by the configuration; {@code auto} picks
     * CUDA when usable, else the CPU. A named backend that cannot run is an error saying why and where
     * the name came from, never a silent substitute.
     */
    static Backend resolve(String option) {
        String name = option != null ? option : Backends.configuredName();
        try {
            // The same resolution as Backends.defaultBackend(), without its cache: a test JVM runs many commands.
            Backend b = Backends.get(name.toLowerCase(Locale.ROOT));
            Backends.setDefault(b);
            return b;
        } catch (BackendUnavailableException e) {
            throw new BackendUnavailableException(e.getMessage() + source(option), e);
        }
    }

    /** Where the backend name came from, for error messages; empty for the option. */
    static String source(String option) {
        if (option != null) {
            return "";
        }
        String property = System.getProperty(Backends.PROPERTY);
        if (property != null && !property.isBlank()) {
            return " (named by -D" + Backends.PROPERTY + "=" + property.trim() + ")";
        }
        String env = System.getenv(Backends.ENV);
        if (env != null && !env.isBlank()) {
            return " (named by the environment variable " + Backends.ENV + "=" + env.trim() + ")";
        }
        return "";
    }

    /** Rejects an option value that is not a backend name at all (checked before any work). */
    static boolean isKnownOption(String option) {
        return option == null || NAMES.contains(option.toLowerCase(Locale.ROOT));
    }
}
