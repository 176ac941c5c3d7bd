package dev.flint.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java program in {@code spark/README.md} (the {@code java spark} block) compiles against this module
 * and Spark, and trains: the README stays true.
 */
class ReadmeExampleTest {
    private static final Pattern BLOCK = Pattern.compile("```java spark\\n(.*?)```", Pattern.DOTALL);

    @Test
    @Tag("spark")
    @Timeout(300)
    void theReadmesProgramCompilesAndTrains(@TempDir Path dir) throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        Matcher m = BLOCK.matcher(readme);
        assertTrue(m.find(), "spark/README.md has a ```java spark block");
        Path source = dir.resolve("SparkQuickStart.java");
        Files.writeString(source, m.group(1));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, null, diagnostics, "-d", dir.toString(), "-cp", System.getProperty("java.class.path"),
                source.toString());
        assertEquals(0, rc, "the README's program does not compile:\n" + diagnostics.toString(StandardCharsets.UTF_8));

        System.setProperty("spark.driver.host", "127.0.0.1");
        System.setProperty("spark.driver.bindAddress", "127.0.0.1");
        System.setProperty("spark.ui.enabled", "false");
        PrintStream stdout = System.out;
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            Method main = loader.loadClass("SparkQuickStart").getMethod("main", String[].class);
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            // Spark's local executor loads task classes (the program's lambdas) through the context loader.
            Thread.currentThread().setContextClassLoader(loader);
            main.invoke(null, (Object) new String[0]);
        } finally {
            Thread.currentThread().setContextClassLoader(context);
            System.setOut(stdout);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        System.out.print(out);
        assertTrue(out.contains("EpochRecord[epoch=1"), out);
        double accuracy = Double.parseDouble(out.replaceAll("(?s).*trainAccuracy=([0-9.]+).*", "$1"));
        assertTrue(accuracy > 0.7, "one epoch on two workers learns MNIST: " + out);
    }
}
