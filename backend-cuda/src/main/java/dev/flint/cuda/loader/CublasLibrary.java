package dev.flint.cuda.loader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import jcuda.JCudaVersion;
import jcuda.LibUtils;

/**
 * Loads JCublas2's JNI library so that it binds whichever cuBLAS this machine has.
 *
 * <p>JCuda 12.6 ships {@code libJCublas2-12.6.0-linux-x86_64.so}, linked against
 * {@code libcublas.so.12}. We extract it into a cache folder and {@code System.load} it; where that
 * fails because {@code libcublas.so.12} is missing, we write a copy retargeted to
 * {@code libcublas.so.13} ({@link ElfRetarget}) and load that instead. Then JCublas2's own loader runs:
 * JCuda's {@code LibUtils} tries {@code System.loadLibrary} on {@code java.library.path}, then the file
 * {@code <java.io.tmpdir>/<library file>}, which it only writes when absent; we point
 * {@code java.io.tmpdir} at our cache folder for that one class initialization, so it loads the very
 * file we loaded (a no-op for the JVM: same canonical path, same class loader).
 *
 * <p>Loading is not enough: the JVM binds a JNI library's imports lazily, so a cuBLAS function that the
 * installed library lacks would end the process ("symbol lookup error") at its first call. After loading
 * we therefore find the {@code libcublas} the dynamic loader mapped ({@code /proc/self/maps}) and check
 * in its symbol table ({@link ElfSymbols}) that every function Flint calls ({@link #FUNCTIONS}) is
 * defined under the version the JNI library asks for; a missing one fails {@link #load()} naming the
 * function and the library.
 *
 * <pre>{@code
 * CublasLibrary.Loaded l = CublasLibrary.load();   // throws CublasLoadException saying why not
 * System.out.println(l.description());              // "libcublas.so.13 (/usr/.../libcublas.so.13.1.0.3) via retargeted JNI library ..."
 * }</pre>
 */
public final class CublasLibrary {
    /** The cuBLAS soname the JNI library was built against, and the one we retarget to. */
    public static final String CUBLAS_12 = "libcublas.so.12";
    public static final String CUBLAS_13 = "libcublas.so.13";

    /**
     * The JCublas2 methods Flint calls (in {@code dev.flint.cuda.driver.Blas}) and the C function each
     * binds in the JNI library; {@code CublasLibraryTest} keeps this in step with Blas's source.
     */
    public static final Map<String, String> FUNCTIONS = orderedMap(
            "cublasCreate", "cublasCreate_v2",
            "cublasSetStream", "cublasSetStream_v2",
            "cublasSetMathMode", "cublasSetMathMode",
            "cublasSgemm", "cublasSgemm_v2",
            "cublasSgemmStridedBatched", "cublasSgemmStridedBatched",
            "cublasDestroy", "cublasDestroy_v2");

    /**
     * Where the JNI library came from and which cuBLAS it bound, for the availability report.
     *
     * @param library the cuBLAS file the dynamic loader mapped, whose symbols were checked
     */
    public record Loaded(String cublas, Path jniLibrary, boolean retargeted, Path library) {
        public String description() {
            return cublas + " (" + library + ")" + (retargeted ? " via retargeted JNI library " : " via JNI library ")
                    + jniLibrary;
        }
    }

    /** The cuBLAS JNI library cannot be loaded or cannot be used; the message says why. */
    public static class CublasLoadException extends Exception {
        private static final long serialVersionUID = 1L;

        CublasLoadException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** cuBLAS loaded, but lacks a function Flint calls: using it would end the JVM at that call. */
    public static final class MissingFunctionsException extends CublasLoadException {
        private static final long serialVersionUID = 1L;

        private final List<String> missing;

        MissingFunctionsException(String message, List<String> missing) {
            super(message, null);
            this.missing = List.copyOf(missing);
        }

        /** The C functions not found (under the version the JNI library needs). */
        public List<String> missing() {
            return missing;
        }
    }

    /** The two candidate files in the cache folder. */
    public record Prepared(Path original, Path retargeted) {
    }

    private static Loaded loaded;
    private static CublasLoadException failure;

    private CublasLibrary() {
    }

    /** {@code libJCublas2-<version>-linux-x86_64.so}, the file name JCuda's loader looks for. */
    public static String jniFileName() {
        return System.mapLibraryName(LibUtils.createPlatformLibraryName("JCublas2-" + JCudaVersion.get()));
    }

    /**
     * Loads the JNI library and initializes JCublas2, once per JVM; later calls return the first
     * outcome.
     */
    public static synchronized Loaded load() throws CublasLoadException {
        if (loaded != null) {
            return loaded;
        }
        if (failure != null) {
            throw failure;
        }
        try {
            loaded = loadOnce();
            return loaded;
        } catch (CublasLoadException e) {
            failure = e;
            throw e;
        }
    }

    private static Loaded loadOnce() throws CublasLoadException {
        Prepared files;
        try {
            files = prepare(cacheRoot());
        } catch (IOException | RuntimeException e) {
            throw new CublasLoadException("could not extract " + jniFileName() + " from the jcublas-natives jar: " + e, e);
        }
        String cublas;
        Path jni;
        try {
            System.load(files.original().toString());
            cublas = CUBLAS_12;
            jni = files.original();
        } catch (UnsatisfiedLinkError e12) {
            String why12 = firstLine(e12.getMessage());
            if (why12 == null || !why12.contains(CUBLAS_12)) {
                throw new CublasLoadException(files.original() + ": " + why12, e12);
            }
            try {
                System.load(files.retargeted().toString());
                cublas = CUBLAS_13;
                jni = files.retargeted();
            } catch (UnsatisfiedLinkError e13) {
                String why13 = firstLine(e13.getMessage());
                String missing = why13 != null && why13.contains(CUBLAS_13)
                        ? "neither " + CUBLAS_12 + " nor " + CUBLAS_13 + " found (install CUDA 12 or 13's cuBLAS, or add"
                        + " its folder to LD_LIBRARY_PATH)"
                        : "the copy retargeted to " + CUBLAS_13 + " failed";
                throw new CublasLoadException(missing + ": " + why12 + "; " + why13, e13);
            }
        }
        Path library = verifyFunctions(cublas, mappedLibrary(cublas));
        initializeJCublas2(jni.getParent());
        return new Loaded(cublas, jni, jni.equals(files.retargeted()), library);
    }

    /**
     * The file of {@code soname} the dynamic loader mapped into this process, from
     * {@code /proc/self/maps} (the real file: {@code libcublas.so.13.1.0.3} behind the
     * {@code libcublas.so.13} link, or a stand-in loaded by absolute path).
     */
    static Path mappedLibrary(String soname) throws CublasLoadException {
        Pattern file = Pattern.compile(Pattern.quote(soname) + "(\\.\\d+)*");
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash < 0) {
                    continue;
                }
                Path p = Path.of(line.substring(slash).replace(" (deleted)", ""));
                if (file.matcher(p.getFileName().toString()).matches()) {
                    return p;
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new CublasLoadException("cannot tell which " + soname + " was loaded (reading /proc/self/maps: " + e
                    + "), so its functions cannot be checked", e);
        }
        throw new CublasLoadException(soname + " was loaded but is not among this process's mapped files"
                + " (/proc/self/maps), so its functions cannot be checked", null);
    }

    /**
     * Checks that {@code library} defines every function of {@link #FUNCTIONS} under version {@code soname}
     * (the version the JNI library's references carry), as the dynamic loader will require at each first
     * call; returns the library.
     *
     * @throws MissingFunctionsException naming the missing functions and the library
     * @throws CublasLoadException when the library's symbol table cannot be read
     */
    public static Path verifyFunctions(String soname, Path library) throws CublasLoadException {
        ElfSymbols symbols;
        try {
            symbols = ElfSymbols.read(library);
        } catch (IOException e) {
            throw new CublasLoadException("cannot read the symbol table of " + library + " to check the cuBLAS"
                    + " functions Flint calls: " + e.getMessage(), e);
        }
        List<String> missing = new ArrayList<>();
        for (String function : FUNCTIONS.values()) {
            if (!symbols.binds(function, soname)) {
                List<ElfSymbols.Symbol> other = symbols.definitions(function);
                missing.add(other.isEmpty() ? function : function + " (defined only as " + other + ")");
            }
        }
        if (!missing.isEmpty()) {
            throw new MissingFunctionsException(library + " lacks " + String.join(", ", missing) + " under version "
                    + soname + ", which Flint calls (through JCublas2); the first call would end the JVM with"
                    + " 'symbol lookup error'. Install a cuBLAS that has " + (missing.size() == 1 ? "it" : "them")
                    + " (CUDA 12 or 13), or put its folder first on LD_LIBRARY_PATH", missing);
        }
        return library;
    }

    private static Map<String, String> orderedMap(String... keysAndValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    /**
     * Runs JCublas2's class initialization with {@code java.io.tmpdir} pointing at {@code folder}, so
     * that JCuda's loader finds the library already there instead of extracting the unpatched one.
     */
    private static void initializeJCublas2(Path folder) throws CublasLoadException {
        synchronized (System.class) {
            String tmp = System.getProperty("java.io.tmpdir");
            System.setProperty("java.io.tmpdir", folder.toString());
            try {
                Class.forName("jcuda.jcublas.JCublas2", true, CublasLibrary.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                throw new CublasLoadException("JCublas2 failed to initialize: " + firstLine(String.valueOf(e)), e);
            } finally {
                System.setProperty("java.io.tmpdir", tmp);
            }
        }
    }

    /**
     * Extracts the JNI library from the class path into {@code root}, next to a copy retargeted to
     * {@code libcublas.so.13}, each in its own folder named after the file the JVM must load
     * ({@code root/cu12/<file>}, {@code root/cu13/<file>}). Existing identical files are kept. Needs no GPU.
     */
    public static Prepared prepare(Path root) throws IOException {
        String file = jniFileName();
        byte[] original;
        try (InputStream in = CublasLibrary.class.getClassLoader().getResourceAsStream("lib/" + file)) {
            if (in == null) {
                throw new IOException("lib/" + file + " is not on the class path (is jcublas-natives:linux-x86_64 there?)");
            }
            original = in.readAllBytes();
        }
        Path dir = root.resolve(sha256(original).substring(0, 16));
        Path cu12 = dir.resolve("cu12").resolve(file);
        Path cu13 = dir.resolve("cu13").resolve(file);
        writeIfChanged(cu12, original);
        writeIfChanged(cu13, ElfRetarget.retarget(original, CUBLAS_12, CUBLAS_13).image());
        return new Prepared(cu12, cu13);
    }

    private static Path cacheRoot() {
        String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9_.-]", "_");
        return Path.of(System.getProperty("java.io.tmpdir"), "flint-cuda-" + user, "jcublas2");
    }

    private static void writeIfChanged(Path target, byte[] content) throws IOException {
        if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), content)) {
            return;
        }
        Files.createDirectories(target.getParent());
        // Write then rename, so that a second JVM never loads a half-written library.
        Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".part");
        Files.write(tmp, content);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return null;
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
