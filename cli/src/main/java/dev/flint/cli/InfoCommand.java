package dev.flint.cli;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.backend.MemoryStats;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code flint info}: every backend found, whether it can run here and why not, the one chosen, its
 * device and memory.
 *
 * <pre>
 *   flint info
 *   flint info --backend cuda      # fails, saying why, when CUDA cannot run
 * </pre>
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Backends found, the one chosen, its device and memory.")
final class InfoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--backend", paramLabel = "auto|cpu|cuda",
            description = "The backend to describe. Default: as the library, -Dflint.backend, else FLINT_BACKEND, "
                    + "else auto.")
    String backend;

    @Override
    public Integer call() {
        OptionChecks.requireKnownBackend(spec, backend);
        PrintWriter out = spec.commandLine().getOut();
        out.print(Backends.report());
        out.printf("java %s on %s %s, %d cores%n", System.getProperty("java.version"), System.getProperty("os.name"),
                System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors());
        out.flush();
        Backend chosen = BackendChoice.resolve(backend);
        out.printf("chosen (%s): %s%n", backend != null ? backend : Backends.configuredName(), chosen.name());
        out.printf("device: %s%n", chosen.deviceDescription());
        MemoryStats m = chosen.memoryStats();
        out.printf("memory: %s%n", m.inUse() < 0 ? "not reported by this backend" : m.toString());
        out.flush();
        return 0;
    }
}
