package dev.flint.cuda.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The committed kernel build's {@code manifest.txt} ({@code key value} lines written by
 * {@code src/main/cuda/build-kernels.sh}) and the hash of the sources it was built from.
 *
 * <pre>{@code
 * KernelManifest m = KernelManifest.load();
 * m.families();           // [elementwise, softmax, reduce, ...]
 * m.sourcesSha256();      // must equal KernelManifest.sourcesHash(Path.of("src/main/cuda"))
 * }</pre>
 */
public record KernelManifest(Map<String, String> entries) {
    /** Class-path folder of the committed kernels. */
    public static final String RESOURCE_DIR = "dev/flint/cuda/kernels/";

    /** Reads the committed manifest from the class path. */
    public static KernelManifest load() {
        try (InputStream in = KernelManifest.class.getClassLoader().getResourceAsStream(RESOURCE_DIR + "manifest.txt")) {
            if (in == null) {
                throw new IllegalStateException("cuda: " + RESOURCE_DIR + "manifest.txt is missing from the class path");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cuda: reading " + RESOURCE_DIR + "manifest.txt", e);
        }
    }

    static KernelManifest parse(String text) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.indexOf(' ');
            map.put(space < 0 ? line : line.substring(0, space), space < 0 ? "" : line.substring(space + 1).trim());
        }
        return new KernelManifest(Map.copyOf(map));
    }

    public String sourcesSha256() {
        return entries.getOrDefault("sources-sha256", "");
    }

    /** Module names, one per {@code .cu} file. */
    public List<String> families() {
        return List.of(entries.getOrDefault("families", "").trim().split("\\s+"));
    }

    /** The nvcc that built the committed kernels. */
    public String nvcc() {
        return entries.getOrDefault("nvcc", "unknown");
    }

    /**
     * The hash build-kernels.sh records: SHA-256 over every {@code *.cu}, {@code *.cuh} and
     * {@code build-kernels.sh} in {@code cudaDir}, in byte order of their names, each as
     * {@code name NUL content NUL}.
     */
    public static String sourcesHash(Path cudaDir) {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> list = Files.list(cudaDir)) {
            list.filter(p -> {
                String n = p.getFileName().toString();
                return Files.isRegularFile(p) && (n.endsWith(".cu") || n.endsWith(".cuh") || n.equals("build-kernels.sh"));
            }).forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cuda: listing " + cudaDir, e);
        }
        files.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path f : files) {
                sha.update(f.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(Files.readAllBytes(f));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cuda: reading " + cudaDir, e);
        }
    }
}
