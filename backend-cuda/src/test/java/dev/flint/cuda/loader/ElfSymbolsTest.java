package dev.flint.cuda.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The symbol reader against {@code nm -D} on real files: JCublas2's JNI library (its imports and their
 * versions) and stand-in libraries built with gcc under version scripts (definitions under the default
 * version, under a second version, and with none). Skipped where gcc or nm is missing.
 */
class ElfSymbolsTest {

    @Test
    void theJniLibrarysImportsAreWhatNmLists(@TempDir Path dir) throws Exception {
        StandInLibraries.assumeToolchain();
        Path jni = dir.resolve(CublasLibrary.jniFileName());
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("lib/" + CublasLibrary.jniFileName())) {
            Files.write(jni, in.readAllBytes());
        }
        ElfSymbols s = ElfSymbols.read(jni);
        TreeSet<String> ours = new TreeSet<>();
        for (ElfSymbols.Symbol sym : s.symbols()) {
            if (!sym.defined() && sym.version().equals(CublasLibrary.CUBLAS_12)) {
                ours.add(sym.name());
            }
        }
        TreeSet<String> nm = new TreeSet<>(StandInLibraries.undefinedFunctions(dir, CublasLibrary.jniFileName(), "",
                CublasLibrary.CUBLAS_12));
        assertEquals(nm, ours);
        assertTrue(ours.containsAll(CublasLibrary.FUNCTIONS.values()), "JCublas2 imports every function Flint calls");
    }

    @Test
    void definitionsCarryTheirVersionAndBindLikeGlibc(@TempDir Path dir) throws Exception {
        StandInLibraries.assumeToolchain();
        // f and g at the default version V1, h only at V2 (non-default: h@V2 through .symver).
        Path map = Files.writeString(dir.resolve("v.map"), "V1 { global: f; g; }; V2 { global: h_v2; };\n");
        Path src = Files.writeString(dir.resolve("v.c"), """
                int f(void) { return 1; }
                int g(void) { return 2; }
                int h_v2(void) { return 3; }
                __asm__(".symver h_v2, h@V2");
                """);
        Path lib = dir.resolve("libv.so.1");
        StandInLibraries.run(dir, 60, "gcc", "-shared", "-fPIC", "-o", lib.toString(), "-Wl,-soname,libv.so.1",
                "-Wl,--version-script=" + map, src.toString());
        ElfSymbols s = ElfSymbols.read(lib);

        assertTrue(s.binds("f", "V1"));
        assertFalse(s.binds("f", "V2"), "a reference to f@V2 does not bind f@@V1");
        assertTrue(s.binds("f", ""), "an unversioned reference binds any definition");
        assertTrue(s.binds("h", "V2"));
        assertFalse(s.binds("h", "V1"));
        assertFalse(s.binds("missing", "V1"));
        assertEquals("h@V2", s.definitions("h").get(0).toString(), "a non-default version");
        assertEquals("f@@V1", s.definitions("f").get(0).toString());
        List<String> definitions = new ArrayList<>();
        s.versionDefinitions().forEach(d -> definitions.add(d.name() + (d.base() ? " (base)" : "")));
        assertEquals(List.of("libv.so.1 (base)", "V1", "V2"), definitions);

        // What nm -D prints for the defined symbols, in our notation.
        TreeSet<String> nm = new TreeSet<>();
        for (String line : StandInLibraries.run(dir, 60, "nm", "-D", "--defined-only", lib.toString()).split("\n")) {
            String sym = line.trim().substring(line.trim().lastIndexOf(' ') + 1);
            if (sym.matches("[fgh]@.*")) {
                nm.add(sym);
            }
        }
        TreeSet<String> ours = new TreeSet<>();
        for (String name : List.of("f", "g", "h")) {
            s.definitions(name).forEach(d -> ours.add(d.toString()));
        }
        assertEquals(nm, ours);
    }

    @Test
    void aLibraryWithoutVersionsSatisfiesVersionedReferences(@TempDir Path dir) throws Exception {
        StandInLibraries.assumeToolchain();
        Path lib = StandInLibraries.build(dir, "libplain.so.1", "", List.of("f"), 0, "");
        ElfSymbols s = ElfSymbols.read(lib);
        assertTrue(s.binds("f", "anything"), "glibc binds a versioned reference to an unversioned definition");
        assertEquals(List.of(), s.versionDefinitions());
    }

    @Test
    void notAnElfFileIsAClearError(@TempDir Path dir) throws IOException {
        Path junk = Files.writeString(dir.resolve("libjunk.so"), "not an ELF file, just text that is long enough"
                + " to have a header's worth of bytes in it, and then some more");
        IOException e = assertThrows(IOException.class, () -> ElfSymbols.read(junk));
        assertTrue(e.getMessage().contains("not an ELF64 little-endian file"), e.getMessage());
    }
}
