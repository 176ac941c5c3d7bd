package dev.flint.cuda.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole cuBLAS loading path without a GPU or a real cuBLAS: stand-in libraries named
 * {@code libcublas.so.12} and {@code libcublas.so.13} (every function JCublas2 binds, as a stub, under
 * the version that name defines) are compiled with gcc, and a fresh JVM runs {@link CublasLibrary#load()}
 * against each. With only the CUDA 13 stand-in, the dynamic loader must accept the retargeted JNI library
 * (DT_NEEDED, version need and its hash) and JCublas2 must initialize from it; with the CUDA 12 one, the
 * original loads; with neither, the error names both. A stand-in that lacks a function Flint calls makes
 * load() fail naming it, where without that check the JVM would die at the first call. Skipped where gcc
 * or nm is missing.
 */
class CublasLibraryLoadTest {
    private static List<String> functions;

    @BeforeAll
    static void listWhatJCublas2Binds(@TempDir Path dir) throws IOException, InterruptedException {
        StandInLibraries.assumeToolchain();
        functions = StandInLibraries.undefinedFunctions(dir, CublasLibrary.jniFileName(), "", "libcublas.so.12");
        assertTrue(functions.size() > 100, "JCublas2 binds hundreds of cuBLAS functions, found " + functions.size());
    }

    /** A stand-in cuBLAS: soname {@code name}, every function JCublas2 binds versioned {@code name}. */
    static Path standIn(Path dir, String name, List<String> functions) throws IOException, InterruptedException {
        return StandInLibraries.build(dir, name, name, functions, 0, "");
    }

    private static String load(Path dir, String... args) throws IOException, InterruptedException {
        return StandInLibraries.resultLine(StandInLibraries.runMain(dir, CublasLoadMain.class, args), "LOADED", "FAILED");
    }

    @Test
    void withOnlyCuda13TheRetargetedLibraryLoadsAndJCublas2Initializes(@TempDir Path dir) throws Exception {
        String out = load(dir, standIn(dir, "libcublas.so.13", functions).toString());
        assertTrue(out.startsWith("LOADED libcublas.so.13 retargeted=true "), out);
        assertTrue(out.contains("/cu13/" + CublasLibrary.jniFileName()), out);
    }

    @Test
    void theDynamicLoaderChecksTheVersionHash(@TempDir Path dir) throws Exception {
        // The retargeted library with the old hash left in its version need: glibc matches version needs by
        // hash and name, so it must refuse it. This is why ElfRetarget recomputes the hash.
        Path cublas13 = standIn(dir, "libcublas.so.13", functions);
        byte[] original;
        try (InputStream in = CublasLibraryLoadTest.class.getClassLoader()
                .getResourceAsStream("lib/" + CublasLibrary.jniFileName())) {
            original = in.readAllBytes();
        }
        byte[] good = ElfRetarget.retarget(original, "libcublas.so.12", "libcublas.so.13").image();
        byte[] staleHash = good.clone();
        int changed = 0;
        for (int i = 0; i + 4 <= good.length; i++) {
            // vna_hash, little-endian: 0x0ef62133 now, 0x0ef62132 before.
            if (good[i] == 0x33 && good[i + 1] == 0x21 && good[i + 2] == (byte) 0xf6 && good[i + 3] == 0x0e
                    && original[i] == 0x32) {
                staleHash[i] = 0x32;
                changed++;
            }
        }
        assertEquals(1, changed, "exactly one hash byte to restore");
        Path goodFile = Files.write(Files.createDirectories(dir.resolve("good")).resolve(CublasLibrary.jniFileName()), good);
        Path badFile = Files.write(Files.createDirectories(dir.resolve("bad")).resolve(CublasLibrary.jniFileName()),
                staleHash);
        assertTrue(load(dir, cublas13.toString(), goodFile.toString()).startsWith("LOADED"), "the retargeted library loads");
        String bad = load(dir, cublas13.toString(), badFile.toString());
        assertTrue(bad.startsWith("FAILED") && bad.contains("version"), "a stale hash must be refused: " + bad);
    }

    @Test
    void withCuda12TheOriginalLoads(@TempDir Path dir) throws Exception {
        String out = load(dir, standIn(dir, "libcublas.so.12", functions).toString());
        assertTrue(out.startsWith("LOADED libcublas.so.12 retargeted=false "), out);
    }

    @Test
    void withNeitherTheErrorNamesBoth(@TempDir Path dir) throws Exception {
        String out = load(dir);
        Assumptions.assumeFalse(out.startsWith("LOADED"), "this machine has a cuBLAS of its own, so 'neither found'"
                + " cannot be produced here: " + out);
        assertTrue(out.startsWith("FAILED neither libcublas.so.12 nor libcublas.so.13 found"), out);
    }

    @Test
    void aMissingFunctionFailsLoadInsteadOfEndingTheJvmAtItsFirstCall(@TempDir Path dir) throws Exception {
        List<String> lacking = new ArrayList<>(functions);
        lacking.remove("cublasSgemm_v2");
        Path cublas13 = standIn(dir, "libcublas.so.13", lacking);

        // Without the check: the library loads (the JVM binds lazily), and the first SGEMM ends the process.
        Path tmp = Files.createDirectories(dir.resolve("unchecked"));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("surefire.test.class.path",
                System.getProperty("java.class.path")), CublasLoadMain.class.getName(), cublas13.toString(),
                "--unchecked-sgemm").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        assertTrue(p.exitValue() != 0 && out.contains("CREATED") && !out.contains("SGEMM returned")
                && out.contains("symbol lookup error") && out.contains("cublasSgemm_v2"),
                "exit " + p.exitValue() + ":\n" + out);

        // With it: load() refuses, naming the function, the library and the version.
        String checked = load(dir, cublas13.toString());
        assertTrue(checked.startsWith("FAILED " + cublas13 + " lacks cublasSgemm_v2 under version libcublas.so.13"),
                checked);
        assertTrue(checked.contains("symbol lookup error"), checked);
    }

    /**
     * A real cuBLAS where one is installed (FLINT_CUBLAS_DIR, LD_LIBRARY_PATH, or a CUDA toolkit under
     * /usr/local): the JNI
     * library loads against it and it defines every function Flint calls. No GPU is needed to load cuBLAS.
     */
    @Test
    void aRealCublasWhereInstalledLoadsAndHasEveryFunction(@TempDir Path dir) throws Exception {
        Path found = null;
        List<Path> candidates = new ArrayList<>();
        for (String var : new String[] {"FLINT_CUBLAS_DIR", "LD_LIBRARY_PATH"}) {
            for (String d : System.getenv().getOrDefault(var, "").split(":")) {
                if (!d.isEmpty()) {
                    candidates.add(Path.of(d));
                }
            }
        }
        try (var cudas = Files.newDirectoryStream(Path.of("/usr/local"), "cuda*")) {
            for (Path cuda : cudas) {
                candidates.add(cuda.resolve("lib64"));
                candidates.add(cuda.resolve("targets/x86_64-linux/lib"));
            }
        } catch (IOException e) {
            // no /usr/local: no toolkit there
        }
        for (Path c : candidates) {
            if (found == null && (Files.exists(c.resolve("libcublas.so.13")) || Files.exists(c.resolve("libcublas.so.12")))) {
                found = c;
            }
        }
        Assumptions.assumeTrue(found != null, "no real cuBLAS here (set FLINT_CUBLAS_DIR to a folder with libcublas.so.13)");
        String out = StandInLibraries.resultLine(StandInLibraries.runMainWith(dir, Map.of("LD_LIBRARY_PATH",
                found.toString()), List.of(), CublasLoadMain.class), "LOADED", "FAILED");
        assertTrue(out.startsWith("LOADED libcublas.so.1"), found + ": " + out);
    }
}
