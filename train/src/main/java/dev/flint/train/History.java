package dev.flint.train;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
            sb.append(csvLine(r)).append('\n');
        }
        return sb.toString();
    }

    /** One record as a line of {@link #toCsv()}, without the line break. */
    public static String csvLine(EpochRecord r) {
        return r.epoch() + "," + number(r.trainLoss()) + "," + number(r.trainAccuracy()) + ","
                + number(r.validationLoss()) + "," + number(r.validationAccuracy()) + "," + number(r.learningRate())
                + "," + number(r.seconds());
    }

    /**
     * Appends {@code record} to the CSV history {@code file} as training goes (the header first when the
     * file is new or empty) and forces it to the disk, so a run that is killed keeps every finished epoch.
     *
     * <pre>{@code
     * History.appendCsv(Path.of("runs/x/history.csv"), record);
     * }</pre>
     *
     * @throws IOException naming the file when it cannot be written
     */
    public static void appendCsv(Path file, EpochRecord record) throws IOException {
        try {
            boolean fresh = !Files.exists(file) || Files.size(file) == 0;
            String text = (fresh ? CSV_HEADER + "\n" : "") + csvLine(record) + "\n";
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    ch.write(bytes);
                }
                ch.force(false);
            }
        } catch (IOException e) {
            throw IoMessages.wrap("cannot append to the history", file, e);
        }
    }

    /**
     * Writes {@link #toCsv()} to {@code file} (UTF-8), creating its parent folders. The text goes to a
     * temporary file beside it first, moved into place when complete, so a failed write never leaves a
     * truncated history where a complete one was.
     *
     * @throws IOException naming the file when it cannot be written
     */
    public void writeCsv(Path file) throws IOException {
        String csv = toCsv();
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (Writer w = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
                w.write(csv);
            }
            IoMessages.moveIntoPlace(temp, file);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException cannotTidy) {
                e.addSuppressed(cannotTidy);
            }
            throw IoMessages.wrap("cannot write the history", file, e);
        }
    }

    /**
     * Reads a history written by {@link #writeCsv}.
     *
     * @throws IOException naming the line when the file is not such a history
     */
    public static History readCsv(Path file) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parseCsv(r, String.valueOf(file.getFileName()));
        }
    }

    /**
     * Reads a history from the text of {@link #toCsv()}; {@code source} names where it came from in
     * error messages.
     *
     * @throws IOException naming the source and the line when the text is not such a history
     */
    public static History parseCsv(String csv, String source) throws IOException {
        try (BufferedReader r = new BufferedReader(new StringReader(csv))) {
            return parseCsv(r, source);
        }
    }

    private static History parseCsv(BufferedReader r, String source) throws IOException {
        History h = new History();
        String header = r.readLine();
        if (header == null || !header.strip().equals(CSV_HEADER)) {
            throw new IOException(source + ": line 1 should be '" + CSV_HEADER + "', found '" + header + "'");
        }
        int lineNo = 1;
        for (String line; (line = r.readLine()) != null; ) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",", -1);
            if (f.length != 7) {
                throw new IOException(source + ": line " + lineNo + " has " + f.length + " fields, expected 7: '"
                        + line + "'");
            }
            try {
                h.add(new EpochRecord(Integer.parseInt(f[0].strip()), parse(f[1]), parse(f[2]), parse(f[3]),
                        parse(f[4]), parse(f[5]), parse(f[6])));
            } catch (IllegalArgumentException e) {
                throw new IOException(source + ": line " + lineNo + ": " + e.getMessage(), e);
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
