package dev.flint.cuda;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The table of issue 14 from the {@code RESULT <key> <value> <unit>} lines that {@link GpuTiming} (Flint),
 * {@code scripts/gpu_baseline.py} (PyTorch) and scripts/gpu-check.sh (the MNIST CNN runs) write: one row
 * per measurement with Flint's figure, PyTorch's, their ratio, the goal and whether it is met, and the
 * GPU. Bytes and FLOPs are counted here, once, for both sides: softmax forward and ReLU forward move 8
 * bytes per element (read x, write y), softmax and ReLU backward 12 (two reads, one write), Adam 28 (read
 * p, g, m, v; write p, m, v), a copy 8; SGEMM is 2 n^3 FLOPs. The bandwidth goals are against the best
 * device-to-device copy measured in the same run (Flint's cuMemcpyDtoD or torch's copy_).
 *
 * <pre>
 *   java -cp "$CP" dev.flint.cuda.GpuReport flint.results torch.results   # prints the Markdown table
 * </pre>
 */
public final class GpuReport {
    private static final long BIG = GpuTiming.BIG;
    private static final long SOFTMAX = 8192L * 8192;

    private GpuReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: GpuReport FLINT_RESULTS [TORCH_RESULTS]");
            System.exit(2);
        }
        Map<String, String> info = new LinkedHashMap<>();
        Map<String, Double> flint = read(Path.of(args[0]), info, "flint");
        Map<String, Double> torch = args.length > 1 ? read(Path.of(args[1]), info, "torch") : Map.of();
        System.out.print(table(flint, torch, info));
    }

    /** RESULT lines as key -> value; INFO lines into {@code info} under {@code side + " " + first word}. */
    static Map<String, Double> read(Path file, Map<String, String> info, String side) throws IOException {
        Map<String, Double> values = new LinkedHashMap<>();
        if (!Files.isRegularFile(file)) {
            return values;
        }
        for (String line : Files.readAllLines(file)) {
            String[] f = line.trim().split("\\s+", 4);
            if (f.length >= 3 && f[0].equals("RESULT")) {
                try {
                    values.put(f[1], Double.parseDouble(f[2]));
                } catch (NumberFormatException e) {
                    // A malformed line is left out; the row then shows the figure as missing.
                }
            } else if (f.length >= 3 && f[0].equals("INFO")) {
                info.putIfAbsent(side + " " + f[1], line.trim().substring(line.trim().indexOf(f[1]) + f[1].length()).trim());
            }
        }
        return values;
    }

    /** One row: the label, both figures as text, the ratio as text, the goal and its verdict. */
    record Row(String what, String flint, String torch, String ratio, String goal, String verdict) {
    }

    static String table(Map<String, Double> flint, Map<String, Double> torch, Map<String, String> info) {
        String gpu = info.getOrDefault("flint device", info.getOrDefault("torch device", "(no GPU)"));
        Double copyF = gbps(flint.get("copy"), 8 * BIG);
        Double copyT = gbps(torch.get("copy"), 8 * BIG);
        Double copy = max(copyF, copyT);
        List<Row> rows = new ArrayList<>();

        for (String k : new String[] {"fp32", "tf32"}) {
            Double f = tflops(flint.get("sgemm_" + k));
            Double t = tflops(torch.get("sgemm_" + k));
            Double r = f == null || t == null ? null : f / t;
            rows.add(new Row("SGEMM 4096^3, " + (k.equals("fp32") ? "TF32 off" : "TF32 on (opt-in)"), num(f, "TFLOP/s"),
                    num(t, "TFLOP/s"), pct(r), ">= 90% of torch.mm", verdict(r, 0.9, true)));
        }
        bandwidthRow(rows, "softmax forward 8192 x 8192", flint, torch, "softmax_fwd", 8 * SOFTMAX, copy, true);
        bandwidthRow(rows, "softmax backward 8192 x 8192", flint, torch, "softmax_bwd", 12 * SOFTMAX, copy, false);
        bandwidthRow(rows, "ReLU forward, 64M", flint, torch, "relu_fwd", 8 * BIG, copy, true);
        bandwidthRow(rows, "ReLU backward, 64M", flint, torch, "relu_bwd", 12 * BIG, copy, true);
        bandwidthRow(rows, "Adam update, 64M parameters", flint, torch, "adam", 28 * BIG, copy, true);
        rows.add(new Row("device-to-device copy, 256 MiB", num(copyF, "GB/s"), num(copyT, "GB/s"), pct(ratio(copyF,
                copyT)), "the bandwidth reference", copy == null ? "not measured" : String.format(Locale.ROOT,
                "reference %.0f GB/s", copy)));
        for (int batch : new int[] {128, 1024}) {
            Double f = flint.get("mlp_step_" + batch);
            Double t = torch.get("mlp_step_" + batch);
            Double r = ratio(f, t);
            rows.add(new Row("MLP 784-512-256-10 step, batch " + batch, num(f, "ms"), num(t, "ms"), times(r),
                    "<= 1.3x PyTorch eager", verdict(r, 1.3, false)));
            rows.add(new Row("  host time to queue that step", num(flint.get("mlp_step_" + batch + "_host"), "ms"),
                    num(torch.get("mlp_step_" + batch + "_host"), "ms"), times(ratio(flint.get("mlp_step_" + batch
                    + "_host"), torch.get("mlp_step_" + batch + "_host"))), "(what a host-bound step costs)",
                    flint.get("mlp_step_" + batch + "_host") == null ? "not measured" : "reported"));
        }
        Double hostF = flint.get("host_op");
        rows.add(new Row("host overhead of a 1,000-element op", num(hostF, "us"), num(torch.get("host_op"), "us"),
                times(ratio(hostF, torch.get("host_op"))), "<= 10 us per op", verdict(hostF, 10, false)));
        Double launches = flint.get("mlp_step_128_launches");
        Double perLaunch = launches == null || flint.get("mlp_step_128_host") == null ? null
                : 1000 * flint.get("mlp_step_128_host") / launches;
        rows.add(new Row("launches per MLP step (batch 128); host time per launch", launches == null ? "—"
                : String.format(Locale.ROOT, "%.0f ops, %s", launches, num(perLaunch, "us")),
                torch.get("mlp_step_128_launches") == null ? "—" : String.format(Locale.ROOT, "%.0f GPU kernels + copies",
                        torch.get("mlp_step_128_launches")), "", "<= 10 us per op", verdict(perLaunch, 10, false)));
        Double accF = flint.get("cnn_accuracy");
        Double accCpu = flint.get("cnn_accuracy_cpu");
        Double diff = accF == null || accCpu == null ? null : Math.abs(accF - accCpu);
        rows.add(new Row("MNIST CNN (flint train --model cnn), test accuracy", num(accF, "%"),
                num(torch.get("cnn_accuracy"), "%"), "", "as on the CPU: "
                + (accCpu == null ? "CPU run missing" : String.format(Locale.ROOT, "%.2f%% (within 0.3 points)", accCpu)),
                diff == null ? "not measured" : diff <= 0.3 ? "met" : "**missed**"));
        Double epF = flint.get("cnn_epoch_s");
        Double epT = torch.get("cnn_epoch_s");
        rows.add(new Row("MNIST CNN, seconds per epoch (median)", num(epF, "s"), num(epT, "s"), times(ratio(epF, epT)),
                "(reported)", epF == null ? "not measured" : "reported"));

        StringBuilder sb = new StringBuilder();
        sb.append("GPU: ").append(gpu).append('\n');
        info.forEach((k, v) -> {
            if (!k.endsWith(" device")) {
                sb.append(k).append(": ").append(v).append('\n');
            }
        });
        sb.append('\n');
        sb.append("| measurement | Flint | PyTorch | Flint / PyTorch | goal | status | GPU |\n");
        sb.append("| --- | --- | --- | --- | --- | --- | --- |\n");
        for (Row r : rows) {
            sb.append("| ").append(String.join(" | ", r.what(), r.flint(), r.torch(), r.ratio().isEmpty() ? "—" : r.ratio(),
                    r.goal(), r.verdict(), gpu)).append(" |\n");
        }
        return sb.toString();
    }

    /** A bandwidth row; with {@code goal}, Flint's GB/s must reach 70% of the run's copy bandwidth. */
    private static void bandwidthRow(List<Row> rows, String what, Map<String, Double> flint, Map<String, Double> torch,
                                     String key, long bytes, Double copy, boolean goal) {
        Double f = gbps(flint.get(key), bytes);
        Double t = gbps(torch.get(key), bytes);
        Double ofCopy = f == null || copy == null ? null : f / copy;
        rows.add(new Row(what, num(f, "GB/s") + (ofCopy == null ? "" : String.format(Locale.ROOT, " (%.0f%% of copy)",
                100 * ofCopy)), num(t, "GB/s"), pct(ratio(f, t)), goal ? ">= 70% of copy bandwidth" : "(reported)",
                goal ? verdict(ofCopy, 0.7, true) : (f == null ? "not measured" : "reported")));
    }

    private static Double gbps(Double ms, long bytes) {
        return ms == null ? null : bytes / ms / 1e6;
    }

    private static Double tflops(Double ms) {
        return ms == null ? null : 2.0 * 4096 * 4096 * 4096 / ms / 1e9;
    }

    private static Double ratio(Double a, Double b) {
        return a == null || b == null ? null : a / b;
    }

    private static Double max(Double a, Double b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : Double.valueOf(Math.max(a, b));
    }

    private static String verdict(Double value, double bound, boolean atLeast) {
        if (value == null) {
            return "not measured";
        }
        return (atLeast ? value >= bound : value <= bound) ? "met" : "**missed**";
    }

    private static String num(Double v, String unit) {
        if (v == null) {
            return "—";
        }
        String n = Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v)
                : Math.abs(v) >= 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.3g", v);
        return n + " " + unit;
    }

    private static String pct(Double r) {
        return r == null ? "" : String.format(Locale.ROOT, "%.0f%%", 100 * r);
    }

    private static String times(Double r) {
        return r == null ? "" : String.format(Locale.ROOT, "%.2fx", r);
    }
}
