package dev.flint.cuda.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Preparing the two candidate JNI libraries needs no GPU: names, folders, content and idempotence. */
class CublasLibraryTest {

    @Test
    void fileNameIsWhatJCudaLooksFor() {
        assertEquals("libJCublas2-12.6.0-linux-x86_64.so", CublasLibrary.jniFileName());
    }

    @Test
    void prepareWritesTheOriginalAndTheRetargetedCopyUnderTheLoaderFileName(@TempDir Path root) throws IOException {
        CublasLibrary.Prepared p = CublasLibrary.prepare(root);
        assertEquals(CublasLibrary.jniFileName(), p.original().getFileName().toString());
        assertEquals(CublasLibrary.jniFileName(), p.retargeted().getFileName().toString());
        assertEquals("cu12", p.original().getParent().getFileName().toString());
        assertEquals("cu13", p.retargeted().getParent().getFileName().toString());
        byte[] original = Files.readAllBytes(p.original());
        byte[] retargeted = Files.readAllBytes(p.retargeted());
        assertEquals(original.length, retargeted.length);
        assertTrue(new ElfDynamic(original).needed.contains("libcublas.so.12"));
        assertTrue(new ElfDynamic(retargeted).needed.contains("libcublas.so.13"));

        long modified = Files.getLastModifiedTime(p.retargeted()).toMillis();
        CublasLibrary.Prepared again = CublasLibrary.prepare(root);
        assertEquals(p, again, "same paths the second time");
        assertArrayEquals(retargeted, Files.readAllBytes(again.retargeted()));
        assertEquals(modified, Files.getLastModifiedTime(again.retargeted()).toMillis(), "identical files are kept");
    }

    @Test
    void everyJCublas2CallInBlasIsAFunctionTheLoaderChecks() throws IOException {
        Path blas = null;
        for (String root : new String[] {"src/main/java", "backend-cuda/src/main/java"}) {
            Path p = Path.of(root, "dev/flint/cuda/driver/Blas.java");
            if (Files.isRegularFile(p)) {
                blas = p;
            }
        }
        Assumptions.assumeTrue(blas != null, "the sources of backend-cuda are not here");
        TreeSet<String> called = new TreeSet<>();
        Matcher m = Pattern.compile("JCublas2\\.(cublas\\w+)\\(").matcher(Files.readString(blas));
        while (m.find()) {
            called.add(m.group(1));
        }
        assertEquals(new TreeSet<>(CublasLibrary.FUNCTIONS.keySet()), called,
                "CublasLibrary.FUNCTIONS must name every JCublas2 method Blas calls, so that the loader checks the C"
                        + " function each binds");
    }
}
