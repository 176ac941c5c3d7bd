package dev.flint.cli;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import java.util.List;
import java.util.Locale;

/** Resolves the {@code --backend} option and makes the choice the program-wide default. */
final class BackendChoice {
    static final List<String> NAMES = List.of("auto", "cpu", "cuda");

    private BackendChoice() {
    }

    /**
     * The backend named {@code name}; {@code auto} picks CUDA when usable, else the CPU. A named backend
     * that cannot run is an error saying why, never a silent substitute.
     */
    static Backend resolve(String name) {
        Backend b = Backends.get(name.toLowerCase(Locale.ROOT));
        Backends.setDefault(b);
        return b;
    }
}
