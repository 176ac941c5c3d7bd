package dev.flint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * flint-bom does not inherit the parent (so users importing it get none of the build's pins), so
 * nothing keeps it in step with the reactor but this test: same version, every library module listed.
 */
class BomTest {
    private static final Path ROOT = Path.of("..");
    /** Modules that are not libraries a user depends on. */
    private static final List<String> NOT_LIBRARIES = List.of("cli", "benchmarks", "bom");

    @Test
    void theBomListsEveryLibraryAtTheReactorVersion() throws Exception {
        String parent = Files.readString(ROOT.resolve("pom.xml"));
        String bom = Files.readString(ROOT.resolve("bom/pom.xml"));
        assertEquals(first(parent, "<artifactId>flint-parent</artifactId>\\s*<version>([^<]+)</version>"),
                first(bom, "<artifactId>flint-bom</artifactId>\\s*<version>([^<]+)</version>"),
                "bom/pom.xml must carry the reactor's version");

        TreeSet<String> libraries = new TreeSet<>();
        Matcher modules = Pattern.compile("<module>([^<]+)</module>").matcher(parent);
        while (modules.find()) {
            if (!NOT_LIBRARIES.contains(modules.group(1))) {
                String pom = Files.readString(ROOT.resolve(modules.group(1)).resolve("pom.xml"));
                libraries.add(first(pom, "</parent>\\s*<artifactId>([^<]+)</artifactId>"));
            }
        }
        TreeSet<String> listed = new TreeSet<>(all(bom, "<artifactId>(flint-[^<]+)</artifactId>"));
        listed.remove("flint-bom");
        assertEquals(libraries, listed, "bom/pom.xml must list exactly the library modules");
    }

    private static String first(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new AssertionError("no match for " + regex);
        }
        return m.group(1);
    }

    private static List<String> all(String text, String regex) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
