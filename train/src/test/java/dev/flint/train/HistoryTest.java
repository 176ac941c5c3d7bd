package dev.flint.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryTest {

    private static History threeEpochs() {
        History h = new History();
        h.add(new EpochRecord(1, 0.9, 0.70, 0.50, 0.80, 0.1, 2.5));
        h.add(new EpochRecord(2, 0.4, 0.90, 0.30, 0.90, 0.1, 2.0));
        h.add(new EpochRecord(3, 0.2, 0.97, 0.35, 0.89, 1.0E-4, 2.25));
        return h;
    }

    @Test
    void bestIsTheLowestValidationLoss() {
        assertEquals(2, threeEpochs().best().orElseThrow().epoch());
    }

    @Test
    void bestPrefersTheEarliestOnATieAndSkipsUnvalidatedEpochs() {
        History h = new History();
        h.add(EpochRecord.withoutValidation(1, 0.1, 0.9, 0.1, 1));
        h.add(new EpochRecord(2, 0.5, 0.8, 0.3, 0.9, 0.1, 1));
        h.add(new EpochRecord(3, 0.4, 0.8, 0.3, 0.9, 0.1, 1));
        assertEquals(2, h.best().orElseThrow().epoch());
    }

    @Test
    void bestIsEmptyWithoutValidation() {
        History h = new History();
        assertTrue(h.best().isEmpty());
        h.add(EpochRecord.withoutValidation(1, 0.1, 0.9, 0.1, 1));
        assertTrue(h.best().isEmpty());
        assertFalse(h.last().orElseThrow().hasValidation());
    }

    @Test
    void recordsAreAnImmutableSnapshot() {
        History h = threeEpochs();
        List<EpochRecord> snapshot = h.records();
        h.add(new EpochRecord(4, 0.1, 0.99, 0.4, 0.88, 0.1, 2));
        assertEquals(3, snapshot.size());
        assertEquals(4, h.size());
        assertThrows(UnsupportedOperationException.class, () -> snapshot.add(snapshot.get(0)));
        assertThrows(UnsupportedOperationException.class, () -> snapshot.remove(0));
    }

    @Test
    void epochsMustIncrease() {
        History h = threeEpochs();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> h.add(new EpochRecord(3, 0, 0, 0, 0, 0, 0)));
        assertEquals("History.add: epoch 3 does not follow epoch 3", e.getMessage());
    }

    @Test
    void columnFollowsEpochOrder() {
        assertArrayEquals(new double[] {0.5, 0.3, 0.35}, threeEpochs().column(EpochRecord::validationLoss));
        assertEquals(0.97 - 0.89, threeEpochs().last().orElseThrow().generalizationGap(), 1e-12);
    }

    @Test
    void csvHasTheHeaderAndOneLinePerEpoch(@TempDir Path dir) throws IOException {
        History h = threeEpochs();
        h.add(EpochRecord.withoutValidation(4, 0.15, 0.98, 1.0E-4, 2.0));
        Path file = dir.resolve("run/history.csv");
        h.writeCsv(file);
        List<String> lines = Files.readAllLines(file);
        assertEquals(List.of(
                "epoch,train_loss,train_accuracy,val_loss,val_accuracy,learning_rate,seconds",
                "1,0.9,0.7,0.5,0.8,0.1,2.5",
                "2,0.4,0.9,0.3,0.9,0.1,2.0",
                "3,0.2,0.97,0.35,0.89,1.0E-4,2.25",
                "4,0.15,0.98,,,1.0E-4,2.0"), lines);
        assertEquals(h.records(), History.readCsv(file).records());
    }

    @Test
    void readCsvRejectsAForeignFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("other.csv");
        Files.writeString(file, "a,b\n1,2\n");
        IOException e = assertThrows(IOException.class, () -> History.readCsv(file));
        assertTrue(e.getMessage().startsWith("other.csv: line 1 should be 'epoch,train_loss"), e.getMessage());

        Files.writeString(file, History.CSV_HEADER + "\n1,0.5,0.9\n");
        e = assertThrows(IOException.class, () -> History.readCsv(file));
        assertEquals("other.csv: line 2 has 3 fields, expected 7: '1,0.5,0.9'", e.getMessage());
    }

    @Test
    void appendingWritesTheHeaderOnceAndOneLinePerEpochReadableAsAHistory(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("history.csv");
        for (EpochRecord r : threeEpochs().records()) {
            History.appendCsv(file, r);
        }
        assertEquals(threeEpochs().toCsv(), Files.readString(file));
        assertEquals(threeEpochs().records(), History.readCsv(file).records());
    }

    @Test
    void writeErrorsNameTheFileAndLeaveNoPartialFile(@TempDir Path dir) throws IOException {
        Path notAFolder = Files.writeString(dir.resolve("plain-file"), "x");
        Path file = notAFolder.resolve("history.csv");
        IOException append = assertThrows(IOException.class,
                () -> History.appendCsv(file, threeEpochs().records().get(0)));
        assertTrue(append.getMessage().startsWith("cannot append to the history " + file + ": "), append.getMessage());
        IOException write = assertThrows(IOException.class, () -> threeEpochs().writeCsv(file));
        assertTrue(write.getMessage().startsWith("cannot write the history " + file + ": "), write.getMessage());
        // Written beside its place and moved there: a failure leaves the old file as it was.
        Path good = dir.resolve("good.csv");
        threeEpochs().writeCsv(good);
        Files.createDirectory(dir.resolve("good.csv.tmp"));
        assertThrows(IOException.class, () -> new History().writeCsv(good));
        assertEquals(threeEpochs().toCsv(), Files.readString(good));
    }

    @Test
    void parsesTheTextItWrites() throws IOException {
        assertEquals(threeEpochs().records(), History.parseCsv(threeEpochs().toCsv(), "test").records());
        IOException e = assertThrows(IOException.class, () -> History.parseCsv("epoch\n", "in memory"));
        assertTrue(e.getMessage().startsWith("in memory: line 1 should be"), e.getMessage());
    }
}
