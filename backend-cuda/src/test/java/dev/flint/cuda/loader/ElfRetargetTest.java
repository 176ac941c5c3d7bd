package dev.flint.cuda.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Retargets the real JCublas2 JNI library from the jcublas-natives jar, with no GPU: afterwards its
 * dynamic section needs libcublas.so.13, its version need names libcublas.so.13 with that name's ELF
 * hash, and nothing else changed.
 */
class ElfRetargetTest {
    private static byte[] original;

    @BeforeAll
    static void readJniLibrary() throws IOException {
        try (InputStream in = ElfRetargetTest.class.getClassLoader()
                .getResourceAsStream("lib/" + CublasLibrary.jniFileName())) {
            assertNotNull(in, "lib/" + CublasLibrary.jniFileName() + " on the test class path (jcublas-natives)");
            original = in.readAllBytes();
        }
    }

    @Test
    void elfHashMatchesTheGabiValues() {
        // Values of the SysV elf_hash computed independently; GLIBC_2.2.5 is the one every x86-64 binary carries.
        assertEquals(0x0ef62132L, ElfRetarget.elfHash("libcublas.so.12".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(0x0ef62133L, ElfRetarget.elfHash("libcublas.so.13".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(0x09691a75L, ElfRetarget.elfHash("GLIBC_2.2.5".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void elfHashAgreesWithTheLinkerOnEveryVersionNeedOfTheRealLibrary() {
        ElfDynamic dyn = new ElfDynamic(original);
        assertTrue(dyn.versionNeeds.size() >= 5, "version needs " + dyn.versionNeeds);
        for (ElfDynamic.VersionNeed v : dyn.versionNeeds) {
            assertEquals(v.hash(), ElfRetarget.elfHash(v.name().getBytes(StandardCharsets.US_ASCII)), v.name());
        }
    }

    @Test
    void originalNeedsCublas12() {
        ElfDynamic dyn = new ElfDynamic(original);
        assertTrue(dyn.needed.contains("libcublas.so.12"), "DT_NEEDED " + dyn.needed);
        assertTrue(dyn.versionNeeds.contains(new ElfDynamic.VersionNeed("libcublas.so.12", "libcublas.so.12",
                0x0ef62132L)), "version needs " + dyn.versionNeeds);
    }

    @Test
    void retargetedNeedsCublas13WithTheRightHashAndNothingElseChanged() {
        ElfRetarget.Result r = ElfRetarget.retarget(original, "libcublas.so.12", "libcublas.so.13");
        assertEquals(1, r.neededRenamed(), "DT_NEEDED entries renamed");
        assertEquals(1, r.versionNeedsRehashed(), "version needs rehashed");
        byte[] patched = r.image();
        assertEquals(original.length, patched.length, "same size");

        ElfDynamic before = new ElfDynamic(original);
        ElfDynamic after = new ElfDynamic(patched);
        assertFalse(after.needed.contains("libcublas.so.12"), "DT_NEEDED " + after.needed);
        assertEquals(before.needed.stream().map(n -> n.equals("libcublas.so.12") ? "libcublas.so.13" : n).toList(),
                after.needed, "only the cuBLAS entry of DT_NEEDED changed");
        List<ElfDynamic.VersionNeed> expected = before.versionNeeds.stream()
                .map(v -> v.file().equals("libcublas.so.12")
                        ? new ElfDynamic.VersionNeed("libcublas.so.13", "libcublas.so.13", 0x0ef62133L) : v)
                .toList();
        assertEquals(expected, after.versionNeeds, "version needs");

        // Bytes changed: the one string's last character (shared by DT_NEEDED, vn_file and vna_name) and
        // the 4-byte hash, whose low byte is the only one that differs (0x32 -> 0x33).
        int changed = 0;
        for (int i = 0; i < original.length; i++) {
            if (original[i] != patched[i]) {
                changed++;
            }
        }
        assertEquals(2, changed, "bytes changed");
        assertTrue(new String(patched, StandardCharsets.ISO_8859_1).contains("libcublas.so.13\0"));
    }

    @Test
    void readelfAgreesWhereItIsInstalled() throws IOException, InterruptedException {
        Assumptions.assumeTrue(onPath("readelf"), "readelf is not installed");
        Path file = Files.createTempFile("libJCublas2-retargeted", ".so");
        try {
            Files.write(file, ElfRetarget.retarget(original, "libcublas.so.12", "libcublas.so.13").image());
            String out = run("readelf", "-d", "-V", "-W", file.toString());
            assertTrue(out.contains("Shared library: [libcublas.so.13]"), out);
            assertFalse(out.contains("libcublas.so.12"), "no trace of .12 left:\n" + out);
            assertTrue(out.matches("(?s).*File: libcublas\\.so\\.13\\s+Cnt: 1.*Name: libcublas\\.so\\.13.*"), out);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void rejectsWhatItCannotPatch() {
        assertThrows(IllegalArgumentException.class,
                () -> ElfRetarget.retarget(original, "libcublas.so.12", "libcublas.so.130"), "length change");
        assertThrows(IllegalArgumentException.class,
                () -> ElfRetarget.retarget(new byte[128], "libcublas.so.12", "libcublas.so.13"), "not ELF");
        assertThrows(IllegalStateException.class,
                () -> ElfRetarget.retarget(original, "libcufft.so.11", "libcufft.so.12"), "not needed");
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "readelf finished");
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
