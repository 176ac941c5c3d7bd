package dev.flint.cpu.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.NOPLogger;

/** The kernel choice: forced off by the property, off without the module, on otherwise. */
class VectorSupportTest {

    @Test
    void propertyFalseForcesThePlainKernel() {
        assertSame(PlainKernel.INSTANCE, VectorSupport.choose("false", true));
        assertSame(PlainKernel.INSTANCE, VectorSupport.choose(" FALSE ", true));
        assertTrue(VectorSupport.describe(PlainKernel.INSTANCE, "false").contains("flint.cpu.vector=false"));
    }

    @Test
    void withoutTheModuleThePlainKernelRuns() {
        // modulePresent == false must not even load VectorKernel; the plain kernel comes back
        assertSame(PlainKernel.INSTANCE, VectorSupport.choose(null, false));
        assertSame(PlainKernel.INSTANCE, VectorSupport.choose("true", false));
    }

    @Test
    void withTheModuleTheVectorKernelRuns() {
        // surefire runs with --add-modules jdk.incubator.vector (flint.test.argLine)
        assumeTrue(ModuleLayer.boot().findModule(VectorSupport.MODULE).isPresent(),
                "jdk.incubator.vector is not in the boot layer of this test JVM");
        assumeTrue(VectorKernel.bits() >= 256, "preferred vectors are narrower than 256 bits here");
        Kernel chosen = VectorSupport.choose(null, true);
        assertNotSame(PlainKernel.INSTANCE, chosen);
        assertEquals("Vector API", chosen.name());
        assertTrue(VectorSupport.describe(chosen, null).startsWith("Vector API kernel"));
        assertEquals(chosen.name(), VectorSupport.vectorKernelIfAvailable().name());
    }

    @Test
    void thePlainPathSaysHowToEnableTheFastOne() {
        if (!ModuleLayer.boot().findModule(VectorSupport.MODULE).isPresent()) {
            assertTrue(VectorSupport.describe(PlainKernel.INSTANCE, null)
                    .contains("--add-modules jdk.incubator.vector"));
        } else {
            assertTrue(VectorSupport.describe(PlainKernel.INSTANCE, null).startsWith("plain Java kernel"));
        }
    }

    @Test
    void withoutAnSlf4jProviderTheHintGoesToStandardError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stream = new PrintStream(err, true, StandardCharsets.UTF_8);
        VectorSupport.report("hint", true, NOPLogger.NOP_LOGGER, stream);
        VectorSupport.report("no advice", false, NOPLogger.NOP_LOGGER, stream);
        assertEquals("hint [printed to stderr: no SLF4J provider is bound]", err.toString(StandardCharsets.UTF_8).trim());
    }

    @Test
    void withAProviderNothingGoesToStandardError() {
        // slf4j-simple is on this module's test class path
        assertTrue(!VectorSupport.noProvider(LoggerFactory.getLogger(VectorSupportTest.class)));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        VectorSupport.report("hint", true, LoggerFactory.getLogger(VectorSupportTest.class),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals("", err.toString(StandardCharsets.UTF_8));
        assertTrue(VectorSupport.hasAdvice(PlainKernel.INSTANCE, null));
        assertTrue(!VectorSupport.hasAdvice(PlainKernel.INSTANCE, "false"));
    }

    /** The real thing: a JVM without the Vector API module and without any SLF4J provider. */
    @Test
    void aJvmWithoutProviderOrModulePrintsTheHintOnce() throws IOException, InterruptedException {
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !Path.of(entry).getFileName().toString().startsWith("slf4j-simple"))
                .collect(Collectors.joining(File.pathSeparator));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", classPath, VectorHintMain.class.getName())
                .redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), err);
        assertTrue(out.contains("kernel: plain"), out);
        List<String> hints = err.lines().filter(l -> l.contains("--add-modules jdk.incubator.vector")).toList();
        assertEquals(1, hints.size(), "stderr was:\n" + err);
        assertTrue(hints.get(0).startsWith("Flint CPU GEMM: plain Java kernel"), hints.get(0));
    }
}
