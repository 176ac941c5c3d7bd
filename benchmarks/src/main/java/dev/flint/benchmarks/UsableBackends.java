package dev.flint.benchmarks;

import dev.flint.backend.BackendUnavailableException;
import dev.flint.backend.Backends;

import java.util.ArrayList;
import java.util.List;

/**
 * Prints, comma-separated on standard output, which of the named backends can run on this machine,
 * and on standard error one line per backend that cannot, with the reason. The run script passes the
 * result to JMH as {@code -p backend=...}, so a machine without a GPU runs the CPU cases and says
 * plainly why CUDA was left out, instead of JMH printing a stack trace per CUDA case.
 *
 * <pre>{@code
 * java -cp benchmarks.jar dev.flint.benchmarks.UsableBackends cpu cuda   # prints "cpu" without a GPU
 * }</pre>
 */
public final class UsableBackends {

    private UsableBackends() {
    }

    /**
     * Entry point.
     *
     * @param args backend names to check; {@code cpu cuda} when empty
     */
    public static void main(String[] args) {
        String[] names = args.length == 0 ? new String[] {"cpu", "cuda"} : args;
        List<String> usable = new ArrayList<>();
        for (String name : names) {
            try {
                Backends.get(name);
                usable.add(name);
            } catch (BackendUnavailableException e) {
                System.err.println("flint benchmarks: skipping backend '" + name + "': " + e.getMessage());
            }
        }
        System.out.println(String.join(",", usable));
        if (usable.isEmpty()) {
            System.err.print(Backends.report());
            System.exit(1);
        }
    }
}
