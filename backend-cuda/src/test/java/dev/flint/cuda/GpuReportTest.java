package dev.flint.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The table's arithmetic and verdicts, on made-up figures (no GPU): bytes counted once, goals as the issue sets. */
class GpuReportTest {

    private static String row(String table, String label) {
        return table.lines().filter(l -> l.startsWith("| " + label + " |")).findFirst()
                .orElseThrow(() -> new AssertionError("no row '" + label + "' in\n" + table));
    }

    @Test
    void figuresRatiosAndGoals(@TempDir Path dir) throws IOException {
        // 64M floats: a copy moving 8 bytes each in 0.2 ms is 2684 GB/s; ReLU forward at 0.25 ms is 2147 GB/s = 80%.
        Path flint = Files.writeString(dir.resolve("flint.results"), String.join("\n",
                "INFO device NVIDIA H100 80GB HBM3", "RESULT sgemm_fp32 3 ms", "RESULT sgemm_tf32 1 ms",
                "RESULT relu_fwd 0.25 ms", "RESULT relu_bwd 0.6 ms", "RESULT copy 0.2 ms", "RESULT mlp_step_128 0.5 ms",
                "RESULT mlp_step_128_host 0.4 ms", "RESULT mlp_step_128_launches 40 ops", "RESULT host_op 12.5 us",
                "RESULT cnn_accuracy 98.5 %", "RESULT cnn_accuracy_cpu 98.6 %", "RESULT oops notanumber ms", ""));
        Path torch = Files.writeString(dir.resolve("torch.results"), String.join("\n",
                "INFO device NVIDIA H100 80GB HBM3", "RESULT sgemm_fp32 2.5 ms", "RESULT sgemm_tf32 1 ms",
                "RESULT relu_fwd 0.2 ms", "RESULT copy 0.25 ms", "RESULT mlp_step_128 0.25 ms", ""));
        Map<String, String> info = new LinkedHashMap<>();
        String table = GpuReport.table(GpuReport.read(flint, info, "flint"), GpuReport.read(torch, info, "torch"), info);

        assertTrue(table.startsWith("GPU: NVIDIA H100 80GB HBM3\n"), table);
        // 2 * 4096^3 / 3 ms = 45.8 TFLOP/s, torch 55.0: 83% < 90%.
        assertEquals("| SGEMM 4096^3, TF32 off | 45.8 TFLOP/s | 55.0 TFLOP/s | 83% | >= 90% of torch.mm | **missed** |"
                + " NVIDIA H100 80GB HBM3 |", row(table, "SGEMM 4096^3, TF32 off"));
        assertTrue(row(table, "SGEMM 4096^3, TF32 on (opt-in)").contains("| 100% | >= 90% of torch.mm | met |"));
        // The copy reference is the faster of the two copies (Flint's 2684 GB/s); ReLU forward 2147 GB/s is 80% of it.
        assertEquals("| ReLU forward, 64M | 2147 GB/s (80% of copy) | 2684 GB/s | 80% | >= 70% of copy bandwidth | met |"
                + " NVIDIA H100 80GB HBM3 |", row(table, "ReLU forward, 64M"));
        // 12 bytes per element in 0.6 ms: 1342 GB/s, 50% of copy.
        assertTrue(row(table, "ReLU backward, 64M").contains("1342 GB/s (50% of copy)"), table);
        assertTrue(row(table, "ReLU backward, 64M").contains("**missed**"), table);
        assertTrue(row(table, "MLP 784-512-256-10 step, batch 128").contains("| 2.00x | <= 1.3x PyTorch eager |"
                + " **missed** |"), table);
        assertTrue(row(table, "host overhead of a 1,000-element op").contains("| **missed** |"), table);
        // 0.4 ms of host time over 40 operations: 10 us each, at the goal.
        assertTrue(row(table, "launches per MLP step (batch 128); host time per launch").contains("40 ops, 10.0 us"),
                table);
        assertTrue(row(table, "launches per MLP step (batch 128); host time per launch").contains("| met |"), table);
        assertTrue(row(table, "MNIST CNN (flint train --model cnn), test accuracy").contains("98.60% (within 0.3"
                + " points) | met |"), table);
        assertTrue(row(table, "Adam update, 64M parameters").contains("| not measured |"), table);
        assertTrue(row(table, "MLP 784-512-256-10 step, batch 1024").contains("| — | — | — |"), table);
    }

    @Test
    void missingFilesGiveATableOfUnmeasuredRows(@TempDir Path dir) throws IOException {
        Map<String, String> info = new LinkedHashMap<>();
        String table = GpuReport.table(GpuReport.read(dir.resolve("none"), info, "flint"), Map.of(), info);
        assertTrue(table.startsWith("GPU: (no GPU)\n"), table);
        assertEquals(0, table.lines().filter(l -> l.contains("| met |") || l.contains("**missed**")).count(), table);
    }
}
