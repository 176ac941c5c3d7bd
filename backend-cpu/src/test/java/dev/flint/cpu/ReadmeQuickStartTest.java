package dev.flint.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compiles the README's Java quick start as written and runs it on the CPU backend. */
class ReadmeQuickStartTest {

    @Test
    void quickStartCompilesAndRuns(@TempDir Path dir) throws Exception {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme);
        int begin = text.indexOf("<!-- quickstart:begin -->");
        int end = text.indexOf("<!-- quickstart:end -->");
        assertTrue(begin >= 0 && end > begin, "README.md lacks the quickstart markers");
        String block = text.substring(begin, end);
        String code = block.substring(block.indexOf("```java") + "```java".length(), block.lastIndexOf("```"));
        Path source = dir.resolve("QuickStart.java");
        Files.writeString(source, code);

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, null, diagnostics, "-d", dir.toString(), "-cp", System.getProperty("java.class.path"),
                source.toString());
        assertEquals(0, rc, "README quick start does not compile:\n" + diagnostics.toString(StandardCharsets.UTF_8));

        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            loader.loadClass("QuickStart").getMethod("main", String[].class).invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(old);
        }
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertTrue(lines.get(0).matches("loss  = \\d+\\.\\d+.*"), lines.toString());
        float loss = Float.parseFloat(lines.get(0).substring("loss  = ".length()));
        assertTrue(loss > 0.5f && loss < 2f, "loss " + loss + " should be near ln 3 for small random weights");
        assertTrue(lines.get(1).startsWith("dL/db = Tensor[3] float32 on cpu"), lines.get(1));
        assertTrue(lines.stream().anyMatch(l -> l.contains("matmul([2, 4], [4, 3]) -> [2, 3]")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.contains("cross_entropy")), lines.toString());
    }
}
