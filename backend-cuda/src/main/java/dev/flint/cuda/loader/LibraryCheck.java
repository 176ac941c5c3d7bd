package dev.flint.cuda.loader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Command-line check of an installed NVIDIA library against what Flint's JNI libraries bind, without
 * loading it (so it also runs where no GPU or driver works), for {@code scripts/gpu-check.sh} and for
 * users whose backend reports a missing function:
 *
 * <pre>
 *   java -cp ... dev.flint.cuda.loader.LibraryCheck cublas /usr/local/cuda/lib64/libcublas.so.13
 *   java -cp ... dev.flint.cuda.loader.LibraryCheck driver /usr/lib/x86_64-linux-gnu/libcuda.so.1
 * </pre>
 *
 * <p>For cuBLAS it prints the library's version definitions, then each function Flint calls
 * ({@link CublasLibrary#FUNCTIONS}) with the definition found under the version JCublas2's references
 * carry ({@code libcublas.so.12} or, retargeted, {@code libcublas.so.13}, from the file's own name), then
 * how many of the other functions JCublas2 binds are absent (harmless unless called). For the driver it
 * lists the functions JCuda's driver library binds that the file lacks. The last line starts with
 * {@code LIBCHECK}; the exit status is 1 when a function Flint calls is missing, 2 on a usage or read
 * error.
 */
public final class LibraryCheck {
    private static final String DRIVER_JNI = "libJCudaDriver-" + jcuda.JCudaVersion.get() + "-linux-x86_64.so";

    private LibraryCheck() {
    }

    public static void main(String[] args) {
        if (args.length != 2 || !(args[0].equals("cublas") || args[0].equals("driver"))) {
            System.err.println("usage: LibraryCheck cublas|driver /path/to/library");
            System.exit(2);
        }
        try {
            System.exit(args[0].equals("cublas") ? cublas(Path.of(args[1])) : driver(Path.of(args[1])));
        } catch (IOException e) {
            System.out.println("LIBCHECK " + args[0] + " unreadable: " + e.getMessage());
            System.exit(2);
        }
    }

    private static int cublas(Path library) throws IOException {
        ElfSymbols lib = ElfSymbols.read(library);
        String name = library.getFileName().toString();
        String soname = name.startsWith(CublasLibrary.CUBLAS_12) ? CublasLibrary.CUBLAS_12 : CublasLibrary.CUBLAS_13;
        System.out.println("cuBLAS " + library.toRealPath() + " (" + Files.size(library) + " bytes)");
        List<String> defs = new ArrayList<>();
        lib.versionDefinitions().forEach(d -> defs.add(d.index() + ":" + d.name() + (d.base() ? " (base)" : "")));
        System.out.println("  version definitions: " + (defs.isEmpty() ? "none" : String.join(", ", defs)));
        System.out.println("  defined dynamic symbols: " + lib.symbols().stream().filter(ElfSymbols.Symbol::defined)
                .count());
        System.out.println("  the functions Flint calls, as JCublas2 references them (" + soname + "):");
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, String> f : CublasLibrary.FUNCTIONS.entrySet()) {
            boolean ok = lib.binds(f.getValue(), soname);
            if (!ok) {
                missing.add(f.getValue());
            }
            System.out.printf("    %-28s %-30s %s%n", f.getValue() + "@" + soname, "(JCublas2." + f.getKey() + ")",
                    ok ? "present: " + lib.definitions(f.getValue()) : "MISSING" + (lib.definitions(f.getValue()).isEmpty()
                            ? "" : ", defined only as " + lib.definitions(f.getValue())));
        }
        List<String> others = absent(lib, CublasLibrary.jniFileName(), CublasLibrary.CUBLAS_12, soname);
        System.out.println("  other functions JCublas2 binds that are absent (fatal only if called): " + others.size()
                + (others.isEmpty() ? "" : " " + others.subList(0, Math.min(20, others.size()))
                        + (others.size() > 20 ? " ..." : "")));
        System.out.println("LIBCHECK cublas " + (missing.isEmpty() ? "ok: all " + CublasLibrary.FUNCTIONS.size()
                + " functions Flint calls are defined under " + soname : "MISSING " + String.join(" ", missing)));
        return missing.isEmpty() ? 0 : 1;
    }

    private static int driver(Path library) throws IOException {
        ElfSymbols lib = ElfSymbols.read(library);
        System.out.println("CUDA driver " + library.toRealPath() + " (" + Files.size(library) + " bytes)");
        List<String> absent = absent(lib, DRIVER_JNI, "", "");
        System.out.println("LIBCHECK driver " + (absent.isEmpty() ? "ok: every function JCuda's driver library binds"
                + " is defined" : absent.size() + " functions JCuda's driver library binds are absent (fatal only if"
                + " called): " + absent));
        return 0;
    }

    /** Functions the JNI library {@code jniFile} imports under {@code version} that {@code lib} would not bind. */
    private static List<String> absent(ElfSymbols lib, String jniFile, String version, String bindAs) throws IOException {
        Path tmp = Files.createTempFile("flint-libcheck", ".so");
        try {
            try (InputStream in = LibraryCheck.class.getClassLoader().getResourceAsStream("lib/" + jniFile)) {
                if (in == null) {
                    throw new IOException("lib/" + jniFile + " is not on the class path");
                }
                Files.write(tmp, in.readAllBytes());
            }
            Map<String, Boolean> imports = new TreeMap<>();
            for (ElfSymbols.Symbol s : ElfSymbols.read(tmp).symbols()) {
                boolean named = version.isEmpty() ? s.name().startsWith("cu") : s.version().equals(version);
                if (!s.defined() && named) {
                    imports.put(s.name(), lib.binds(s.name(), bindAs));
                }
            }
            List<String> absent = new ArrayList<>();
            imports.forEach((n, ok) -> {
                if (!ok) {
                    absent.add(n);
                }
            });
            return absent;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
