package dev.flint.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * GpuTiming at tiny sizes ({@code --small}): every measurement runs and prints its RESULT line, with every
 * key GpuReport reads, so that the one GPU run available finds no mistake in the timing code. Runs wherever
 * the backend does (the emulated driver in CI); what it prints there are not timings of anything.
 */
@Tag("cuda")
class GpuTimingTest {

    @BeforeEach
    void requireCuda() {
        CudaTests.assumeCuda();
    }

    @Test
    void everyMeasurementRunsAndPrintsItsResult() {
        PrintStream old = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            GpuTiming.main(new String[] {"--small"});
        } finally {
            System.setOut(old);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        Map<String, Double> results = new TreeMap<>();
        out.lines().filter(l -> l.startsWith("RESULT ")).forEach(l -> {
            String[] f = l.split(" ");
            results.put(f[1], Double.parseDouble(f[2]));
        });
        for (String key : List.of("sgemm_fp32", "sgemm_tf32", "softmax_fwd", "softmax_bwd", "relu_fwd", "relu_bwd", "adam",
                "copy", "mlp_step_128", "mlp_step_128_host", "mlp_step_128_launches", "mlp_step_1024", "host_op",
                "host_op_drained", "tf32_probe_default", "tf32_probe_tf32")) {
            assertTrue(results.containsKey(key), key + " missing from:\n" + out);
            assertTrue(results.get(key) >= 0, key + " = " + results.get(key));
        }
        // A training step queues kernels, cuBLAS calls and fills: dozens of operations, not none.
        assertTrue(results.get("mlp_step_128_launches") >= 20, out);
        // Without NVIDIA_TF32_OVERRIDE the default backend computes exact FP32 (the emulator always does).
        if (System.getenv(Tf32Mode.VARIABLE) == null) {
            assertEquals(0.0, results.get("tf32_probe_default"), out);
        }
        assertTrue(out.contains("INFO tf32-probe default: C[0] = "), out);
    }
}
