package dev.flint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles and runs every Java snippet of every README.md of the repository, so the documentation
 * stays true. This module depends on every library module, so any snippet can use any of them.
 *
 * <p>How a README marks its snippets (the rules are also in docs/design.md, "Documentation"):
 * <ul>
 *   <li>A {@code ```java} block that declares a class with a {@code main} method is compiled and run
 *       as it stands.
 *   <li>A fragment is preceded by {@code <!-- snippet: context=NAME -->}: it is pasted into the
 *       program {@code NAME} of {@link #CONTEXTS}, which declares the variables it uses and may check
 *       what it did afterwards.
 *   <li>A snippet that cannot run here says so and why: {@code <!-- snippet: context=main,
 *       not-runnable="needs an NVIDIA GPU" -->}. It is still compiled.
 * </ul>
 * A block with neither a {@code main} nor a marker fails this test, naming the file and line.
 */
class ReadmeSnippetsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern BLOCK = Pattern.compile(
            "(?:<!--\\s*snippet:([^>]*)-->\\s*\\n)?```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern CONTEXT = Pattern.compile("context=([\\w-]+)");
    private static final Pattern NOT_RUNNABLE = Pattern.compile("not-runnable=\"([^\"]+)\"");
    private static final Pattern CLASS = Pattern.compile("public\\s+(?:final\\s+)?class\\s+(\\w+)");
    private static final String PLACEHOLDER = "        // SNIPPET\n";

    private static final String IMPORTS = """
            import dev.flint.autograd.*;
            import dev.flint.backend.*;
            import dev.flint.data.*;
            import dev.flint.io.*;
            import dev.flint.loss.*;
            import dev.flint.nn.*;
            import dev.flint.nn.Module;
            import dev.flint.optim.*;
            import dev.flint.tensor.*;
            import dev.flint.train.*;
            import java.nio.file.*;
            import java.util.*;
            """;

    /** The programs a fragment can be pasted into, by name; {@code // SNIPPET} marks the place. */
    static final Map<String, String> CONTEXTS = Map.of(
            // Plain statements in a main method.
            "main", IMPORTS + """
                    public class Snippet {
                        public static void main(String[] args) throws Exception {
                            // SNIPPET
                        }
                    }
                    """,
            // A training loop over `loader`, updating `model` with `optimizer`. The learning rate is 0 so
            // the parameters stay where they were: the gradients the loop leaves behind must then be
            // those of the last batch alone, which they are not if the loop forgets zeroGrad().
            "training-loop", IMPORTS + """
                    public class Snippet {
                        public static void main(String[] args) throws Exception {
                            Backend backend = Backends.defaultBackend();
                            Module model = new Sequential(new Linear(4, 3, new Rng(1)));
                            Optimizer optimizer = new SGD(model.parameters(), 0f);
                            float[] x = new float[8 * 4];
                            for (int i = 0; i < x.length; i++) {
                                x[i] = (i * 5 % 7) - 3;
                            }
                            DataLoader loader = DataLoader.builder(new ArrayDataset(x, new int[] {0, 1, 2, 0, 1, 2, 0, 1}, 3, 4))
                                    .batchSize(4).shuffle(false).backend(backend).build();
                            // SNIPPET
                            float[] left = model.parameters().get(0).grad().toFloatArray();
                            model.zeroGrad();
                            Batch last = null;
                            for (Batch b : loader) {
                                if (last != null) {
                                    last.close();
                                }
                                last = b;
                            }
                            model.forward(last.features()).crossEntropy(last.labels()).backward();
                            float[] lastOnly = model.parameters().get(0).grad().toFloatArray();
                            if (!Arrays.equals(left, lastOnly)) {
                                throw new AssertionError("the loop left gradients " + Arrays.toString(left)
                                        + " but the last batch alone gives " + Arrays.toString(lastOnly)
                                        + ": gradients accumulated across steps (zeroGrad() missing?)");
                            }
                            System.out.println("training loop: gradients of the last batch only");
                        }
                    }
                    """);

    /** One snippet: where it is, its code, and how to build and run it. */
    record Snippet(Path readme, int line, String code, String context, String notRunnable) {
        String where() {
            return ROOT.relativize(readme) + ":" + line;
        }
    }

    static List<Snippet> snippets() throws IOException {
        List<Path> readmes;
        try (Stream<Path> files = Files.walk(ROOT)) {
            readmes = files.filter(p -> p.getFileName().toString().equals("README.md"))
                    .filter(p -> ROOT.relativize(p).toString().split("[/\\\\]").length > 0)
                    .filter(p -> !ROOT.relativize(p).toString().matches("(.*/)?(target[^/]*|\\..*|node_modules)/.*"))
                    .sorted().toList();
        }
        List<Snippet> out = new ArrayList<>();
        for (Path readme : readmes) {
            String text = Files.readString(readme);
            Matcher m = BLOCK.matcher(text);
            while (m.find()) {
                String marker = m.group(1) == null ? "" : m.group(1);
                Matcher context = CONTEXT.matcher(marker);
                Matcher notRunnable = NOT_RUNNABLE.matcher(marker);
                int line = (int) text.substring(0, m.start(2)).lines().count();
                out.add(new Snippet(readme, line, m.group(2), context.find() ? context.group(1) : null,
                        notRunnable.find() ? notRunnable.group(1) : null));
            }
        }
        return out;
    }

    @Test
    void everyReadmeWithJavaIsFound() throws IOException {
        List<Snippet> all = snippets();
        assertTrue(all.stream().anyMatch(s -> s.readme().equals(ROOT.resolve("README.md"))), all.toString());
        assertTrue(all.stream().anyMatch(s -> s.readme().equals(ROOT.resolve("backend-cuda/README.md"))),
                all.toString());
    }

    @TestFactory
    Stream<DynamicTest> everySnippetCompilesAndRuns(@TempDir Path dir) throws IOException {
        List<Snippet> all = snippets();
        assertFalse(all.isEmpty());
        return all.stream().map(s -> DynamicTest.dynamicTest(s.where(), () -> compileAndRun(s, dir)));
    }

    private static void compileAndRun(Snippet s, Path tempRoot) throws Exception {
        String source;
        String className;
        Matcher declared = CLASS.matcher(s.code());
        if (s.context() != null) {
            String template = CONTEXTS.get(s.context());
            if (template == null) {
                fail(s.where() + ": unknown snippet context '" + s.context() + "' (known: " + CONTEXTS.keySet() + ")");
            }
            source = template.replace(PLACEHOLDER, s.code().indent(8));
            className = "Snippet";
        } else if (declared.find() && s.code().contains("static void main")) {
            source = s.code();
            className = declared.group(1);
        } else {
            fail(s.where() + ": a Java snippet that is not a whole program needs a marker before it, such as"
                    + " <!-- snippet: context=main --> (contexts: " + CONTEXTS.keySet() + "), or"
                    + " not-runnable=\"reason\"; see ReadmeSnippetsTest");
            return;
        }
        Path dir = Files.createDirectories(tempRoot.resolve(s.where().replaceAll("[^A-Za-z0-9]", "_")));
        Path file = dir.resolve(className + ".java");
        Files.writeString(file, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, null, diagnostics, "-d", dir.toString(), "-cp",
                System.getProperty("java.class.path"), file.toString());
        assertEquals(0, rc, s.where() + " does not compile:\n" + diagnostics.toString(StandardCharsets.UTF_8)
                + "\n--- as compiled:\n" + source);
        if (s.notRunnable() != null) {
            System.out.println(s.where() + ": compiled, not run: " + s.notRunnable());
            return;
        }
        String output = run(dir, className, s);
        if (className.equals("QuickStart")) {
            checkQuickStart(output);
        }
    }

    private static String run(Path dir, String className, Snippet s) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
                ReadmeSnippetsTest.class.getClassLoader())) {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            loader.loadClass(className).getMethod("main", String[].class).invoke(null, (Object) new String[0]);
        } catch (InvocationTargetException e) {
            throw new AssertionError(s.where() + " failed when run: " + e.getCause(), e.getCause());
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The quick start prints what the README says it prints. */
    private static void checkQuickStart(String output) {
        List<String> lines = output.lines().toList();
        assertTrue(lines.get(0).matches("loss  = \\d+\\.\\d+.*"), lines.toString());
        float loss = Float.parseFloat(lines.get(0).substring("loss  = ".length()));
        assertTrue(loss > 0.5f && loss < 2f, "loss " + loss + " should be near ln 3 for small random weights");
        assertTrue(lines.get(1).startsWith("dL/db = Tensor[3] float32 on cpu"), lines.get(1));
        assertTrue(lines.stream().anyMatch(l -> l.contains("matmul([2, 4], [4, 3]) -> [2, 3]")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.contains("cross_entropy")), lines.toString());
    }
}
