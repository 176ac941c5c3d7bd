package dev.flint.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds backends with {@link ServiceLoader} and hands out one shared instance per name.
 *
 * <pre>{@code
 * Backend cpu = Backends.get("cpu");          // exactly that backend, or an exception saying why not
 * Backend best = Backends.auto();              // CUDA when usable, else the CPU, logged once
 * System.out.println(Backends.report());      // every backend found, usable or not, and why
 * }</pre>
 *
 * <p>The default backend ({@link #defaultBackend()}) is named by the system property
 * {@value #PROPERTY}, else the environment variable {@value #ENV}, else chosen by {@link #auto()}.
 * A named default that cannot load is an error, never a silent substitute.
 */
public final class Backends {
    /** System property naming the default backend ({@code cpu}, {@code cuda} or {@code auto}). */
    public static final String PROPERTY = "flint.backend";
    /** Environment variable naming the default backend, used when the property is unset. */
    public static final String ENV = "FLINT_BACKEND";

    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);
    private static final Map<String, Backend> INSTANCES = new ConcurrentHashMap<>();
    private static volatile List<BackendProvider> providers;
    private static volatile List<String> brokenProviders = List.of();
    private static volatile Backend autoChoice;
    private static volatile Backend defaultChoice;

    private Backends() {
    }

    /** Every provider on the class path, highest priority first. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> p = providers;
        if (p == null) {
            synchronized (Backends.class) {
                if (providers == null) {
                    List<BackendProvider> found = new ArrayList<>();
                    List<String> broken = new ArrayList<>();
                    java.util.Iterator<BackendProvider> it = ServiceLoader.load(BackendProvider.class).iterator();
                    while (true) {
                        try {
                            if (!it.hasNext()) {
                                break;
                            }
                            found.add(it.next());
                        } catch (java.util.ServiceConfigurationError e) {
                            // A provider listed but not loadable (a half-installed module) must not hide the others.
                            broken.add(e.getMessage());
                            LOG.warn("flint: skipping a backend provider that cannot be loaded: {}", e.getMessage());
                        }
                    }
                    brokenProviders = List.copyOf(broken);
                    found.sort(Comparator.comparingInt(BackendProvider::priority).reversed()
                            .thenComparing(BackendProvider::name));
                    providers = List.copyOf(found);
                }
                p = providers;
            }
        }
        return p;
    }

    /**
     * The backend named {@code name} (case-insensitive; {@code "auto"} means {@link #auto()}).
     *
     * @throws BackendUnavailableException naming the backend and the reason when it is not on the class
     *     path or cannot run here
     */
    public static Backend get(String name) {
        String key = name.trim().toLowerCase(Locale.ROOT);
        if (key.equals("auto")) {
            return auto();
        }
        Backend existing = INSTANCES.get(key);
        if (existing != null) {
            return existing;
        }
        synchronized (Backends.class) {
            existing = INSTANCES.get(key);
            if (existing != null) {
                return existing;
            }
            BackendProvider provider = providers().stream().filter(p -> p.name().equals(key)).findFirst()
                    .orElseThrow(() -> new BackendUnavailableException("backend '" + name
                            + "' unavailable: no such backend on the class path (found: " + names() + ")"));
            Availability availability = provider.probe();
            if (!availability.usable()) {
                throw new BackendUnavailableException("backend '" + key + "' unavailable: " + availability.detail());
            }
            Backend created = provider.create();
            INSTANCES.put(key, created);
            return created;
        }
    }

    /**
     * The best usable backend (highest priority), logging once which one was chosen and why the
     * others were not.
     */
    public static Backend auto() {
        Backend chosen = autoChoice;
        if (chosen != null) {
            return chosen;
        }
        synchronized (Backends.class) {
            if (autoChoice != null) {
                return autoChoice;
            }
            List<String> rejected = new ArrayList<>();
            for (BackendProvider provider : providers()) {
                Availability availability = provider.probe();
                if (!availability.usable()) {
                    rejected.add(provider.name() + ": " + availability.detail());
                    continue;
                }
                try {
                    autoChoice = get(provider.name());
                } catch (RuntimeException e) {
                    rejected.add(provider.name() + ": " + e.getMessage());
                    continue;
                }
                LOG.info("flint: using backend '{}' ({}){}", autoChoice.name(), autoChoice.deviceDescription(),
                        rejected.isEmpty() ? "" : "; not usable: " + String.join("; ", rejected));
                return autoChoice;
            }
            throw new BackendUnavailableException("no usable backend: "
                    + (rejected.isEmpty() ? "none on the class path (add flint-backend-cpu)" : String.join("; ", rejected)));
        }
    }

    /**
     * The program-wide default: {@value #PROPERTY}, else {@value #ENV}, else {@link #auto()}.
     */
    public static Backend defaultBackend() {
        Backend chosen = defaultChoice;
        if (chosen == null) {
            synchronized (Backends.class) {
                if (defaultChoice == null) {
                    defaultChoice = get(configuredName());
                }
                chosen = defaultChoice;
            }
        }
        return chosen;
    }

    /** The configured default name: the property, else the environment variable, else {@code auto}. */
    public static String configuredName() {
        String name = System.getProperty(PROPERTY);
        if (name == null || name.isBlank()) {
            name = System.getenv(ENV);
        }
        return name == null || name.isBlank() ? "auto" : name.trim();
    }

    /** Replaces the program-wide default; {@code null} returns to the configured one. */
    public static void setDefault(Backend backend) {
        defaultChoice = backend;
    }

    /** A printable report: every backend found, its priority, whether it is usable and why not. */
    public static String report() {
        StringBuilder sb = new StringBuilder("Flint backends (default: ").append(configuredName()).append(")\n");
        if (providers().isEmpty()) {
            sb.append("  none found on the class path\n");
        }
        for (String broken : brokenProviders) {
            sb.append("  provider that failed to load: ").append(broken).append('\n');
        }
        for (BackendProvider provider : providers()) {
            Availability a = provider.probe();
            sb.append(String.format("  %-6s priority %-3d %-9s %s%n", provider.name(), provider.priority(),
                    a.usable() ? "usable" : "unusable", a.detail()));
        }
        return sb.toString();
    }

    private static String names() {
        List<String> names = new ArrayList<>();
        for (BackendProvider p : providers()) {
            names.add(p.name());
        }
        return names.isEmpty() ? "none" : String.join(", ", names);
    }
}
