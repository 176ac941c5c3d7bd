package dev.flint.train;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The per-epoch record of a training run: the data behind the learning curves, written as CSV (and
 * drawn as a PNG chart by the examples module). Records are appended in epoch order; readers get
 * immutable snapshots, so a chart drawn while training goes on sees a consistent list.
 *
 * <pre>{@code
 * History h = new History();
 * h.add(new EpochRecord(1, 0.41, 0.88, 0.29, 0.92, 0.01, 3.2));
 * h.best().ifPresent(r -> System.out.println("best epoch " + r.epoch()));
 * h.writeCsv(Path.of("runs/mlp/history.csv"));
 * }</pre>
 */
public final class History {
    /** The CSV header line, one column per {@link EpochRecord} component, in order. */
    public static final String CSV_HEADER =
            "epoch,train_loss,train_accuracy,val_loss,val_accuracy,learning_rate,seconds";

    private final List<EpochRecord> records = new ArrayList<>();

    /** An empty history. */
    public History() {
    }

    /** A history holding {@code records}, which must have strictly increasing epochs. */
    public History(List<EpochRecord> records) {
        records.forEach(this::add);
    }

    /**
     * Appends the record of the next epoch.
     *
     * @throws IllegalArgumentException when its epoch does not come after the last one's
     */
    public synchronized void add(EpochRecord record) {
        if (!records.isEmpty() && record.epoch() <= records.get(records.size() - 1).epoch()) {
            throw new IllegalArgumentException("History.add: epoch " + record.epoch() + " does not follow epoch "
                    + records.get(records.size() - 1).epoch());
        }
        records.add(record);
    }

    /** An immutable snapshot of the records, in epoch order. */
    public synchronized List<EpochRecord> records() {
        return List.copyOf(records);
    }

    /** Number of epochs recorded. */
    public synchronized int size() {
        return records.size();
    }

    /** Whether nothing has been recorded. */
    public synchronized boolean isEmpty() {
        return records.isEmpty();
    }

    /** The latest epoch's record, if any. */
    public synchronized Optional<EpochRecord> last() {
        return records.isEmpty() ? Optional.empty() : Optional.of(records.get(records.size() - 1));
    }

    /**
     * The epoch with the lowest validation loss (the earliest on a tie), the one early stopping keeps;
     * empty when no epoch was validated.
     */
    public synchronized Optional<EpochRecord> best() {
        EpochRecord best = null;
        for (EpochRecord r : records) {
            if (r.hasValidation() && (best == null || r.validationLoss() < best.validationLoss())) {
                best = r;
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * One value per epoch, in order; for charts: {@code history.column(EpochRecord::validationLoss)}.
     */
    public synchronized double[] column(ToDoubleFunction<EpochRecord> value) {
        double[] out = new double[records.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = value.applyAsDouble(records.get(i));
        }
        return out;
    }

    /**
     * The history as CSV: {@link #CSV_HEADER}, then one line per epoch. Numbers are written in Java's
     * shortest round-tripping form ({@code 0.1}, {@code 1.0E-4}); a missing validation value is an empty
     * field, which spreadsheets and pandas read as missing.
     */
    public synchronized String toCsv() {
        StringBuilder sb = new StringBuilder(CSV_HEADER).append('\n');
        for (EpochRecord r : records) {
            sb.append(r.epoch()).append(',')
                    .append(number(r.trainLoss())).append(',')
                    .append(number(r.trainAccuracy())).append(',')
                    .append(number(r.validationLoss())).append(',')
                    .append(number(r.validationAccuracy())).append(',')
                    .append(number(r.learningRate())).append(',')
                    .append(number(r.seconds())).append('\n');
        }
        return sb.toString();
    }

    /** Writes {@link #toCsv()} to {@code file} (UTF-8), creating its parent folders. */
    public void writeCsv(Path file) throws IOException {
        String csv = toCsv();
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(csv);
        }
    }

    /**
     * Reads a history written by {@link #writeCsv}.
     *
     * @throws IOException naming the line when the file is not such a history
     */
    public static History readCsv(Path file) throws IOException {
        History h = new History();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = r.readLine();
            if (header == null || !header.strip().equals(CSV_HEADER)) {
                throw new IOException(file.getFileName() + ": line 1 should be '" + CSV_HEADER + "', found '"
                        + header + "'");
            }
            int lineNo = 1;
            for (String line; (line = r.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(",", -1);
                if (f.length != 7) {
                    throw new IOException(file.getFileName() + ": line " + lineNo + " has " + f.length
                            + " fields, expected 7: '" + line + "'");
                }
                try {
                    h.add(new EpochRecord(Integer.parseInt(f[0].strip()), parse(f[1]), parse(f[2]), parse(f[3]),
                            parse(f[4]), parse(f[5]), parse(f[6])));
                } catch (IllegalArgumentException e) {
                    throw new IOException(file.getFileName() + ": line " + lineNo + ": " + e.getMessage(), e);
                }
            }
        }
        return h;
    }

    private static String number(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }

    private static double parse(String field) {
        String s = field.strip();
        return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }

    @Override
    public synchronized String toString() {
        return "History(" + records.size() + " epochs" + best().map(b -> ", best epoch " + b.epoch()
                + " with validation loss " + b.validationLoss()).orElse("") + ")";
    }
}
