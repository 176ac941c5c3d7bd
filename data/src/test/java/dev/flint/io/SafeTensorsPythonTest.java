package dev.flint.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cross-checks {@link SafeTensors} against the reference implementation (Hugging Face's
 * {@code safetensors} Python package) in both directions. Skips with the reason where {@code python3}
 * or the package is missing; nothing is installed.
 */
class SafeTensorsPythonTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void requirePythonSafetensors() throws InterruptedException {
        Result r = python("import safetensors.numpy, numpy");
        assumeTrue(r.exit == 0, "python3 with the safetensors and numpy packages is not available: " + r.output.strip());
    }

    private record Result(int exit, String output) {
    }

    private static Result python(String script, String... args) throws InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("python3", "-c", script));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "python3 timed out");
            }
            return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, "cannot run python3: " + e.getMessage());
        }
    }

    @Test
    void pythonReadsWhatFlintWrites() throws Exception {
        Path file = dir.resolve("flint.safetensors");
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        tensors.put("w", HostTensor.ofFloats(new int[] {2, 3}, new float[] {1.5f, -2, 0, 3.25f, 1e-7f, -0f}));
        tensors.put("b", HostTensor.ofFloats(new int[] {3}, new float[] {0.5f, 0.25f, 0.125f}));
        tensors.put("labels", HostTensor.ofInts(new int[] {4}, new int[] {7, -1, 0, 2147483647}));
        SafeTensors.writeHost(file, tensors, Map.of("format", "np"));
        Result r = python("""
                import sys
                from safetensors import safe_open
                with safe_open(sys.argv[1], framework="np") as f:
                    print(f.metadata())
                    for k in sorted(f.keys()):
                        t = f.get_tensor(k)
                        print(k, t.dtype, list(t.shape), [repr(float(v)) if t.dtype.kind == 'f' else int(v) for v in t.ravel()])
                """, file.toString());
        assertEquals(0, r.exit, r.output);
        assertEquals(String.join("\n",
                "{'format': 'np'}",
                "b float32 [3] ['0.5', '0.25', '0.125']",
                "labels int32 [4] [7, -1, 0, 2147483647]",
                "w float32 [2, 3] ['1.5', '-2.0', '0.0', '3.25', '1.0000000116860974e-07', '-0.0']"),
                r.output.strip());
    }

    @Test
    void flintReadsWhatPythonWrites() throws Exception {
        Path file = dir.resolve("python.safetensors");
        Result r = python("""
                import sys, numpy as np
                from safetensors.numpy import save_file
                save_file({"weight": np.arange(6, dtype=np.float32).reshape(3, 2) / 4,
                           "idx": np.array([[3, -4]], dtype=np.int32)}, sys.argv[1], metadata={"by": "python"})
                """, file.toString());
        assertEquals(0, r.exit, r.output);
        SafeTensors.Contents c = SafeTensors.readHost(file);
        assertEquals(Map.of("by", "python"), c.metadata());
        assertArrayEquals(new int[] {3, 2}, c.tensors().get("weight").shape());
        assertArrayEquals(new float[] {0, 0.25f, 0.5f, 0.75f, 1, 1.25f}, c.tensors().get("weight").floats());
        assertArrayEquals(new int[] {1, 2}, c.tensors().get("idx").shape());
        assertArrayEquals(new int[] {3, -4}, c.tensors().get("idx").ints());
    }
}
