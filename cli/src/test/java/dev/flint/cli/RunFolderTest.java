package dev.flint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunFolderTest {

    @Test
    void runsStartedInTheSameSecondGetFoldersOfTheirOwn(@TempDir Path runs) throws Exception {
        LocalDateTime sameSecond = LocalDateTime.of(2026, 1, 2, 3, 4, 5);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Path>> made = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                made.add(pool.submit(() -> RunFolder.createUnique(runs, sameSecond).dir()));
            }
            Set<Path> distinct = new HashSet<>();
            for (Future<Path> f : made) {
                distinct.add(f.get());
            }
            assertEquals(16, distinct.size(), distinct.toString());
            assertTrue(distinct.contains(runs.resolve("20260102-030405")), distinct.toString());
            assertTrue(distinct.contains(runs.resolve("20260102-030405-16")), distinct.toString());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void outOntoAFolderWithFilesIsRefusedUnlessOverwriteWhichRemovesOnlyTheRunsFiles(@TempDir Path dir)
            throws IOException {
        Files.writeString(dir.resolve(RunFolder.MODEL), "old model");
        Files.writeString(dir.resolve("notes.txt"), "mine");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunFolder.forOut(dir, false));
        assertEquals("--out: " + dir + " already holds files (model.safetensors, notes.txt); choose another folder, "
                + "add --overwrite to replace the run there, or --resume " + dir + " to continue it", e.getMessage());
        assertEquals("old model", Files.readString(dir.resolve(RunFolder.MODEL)));

        RunFolder.forOut(dir, true);
        assertTrue(Files.notExists(dir.resolve(RunFolder.MODEL)));
        assertEquals("mine", Files.readString(dir.resolve("notes.txt")));
    }

    @Test
    void outNamingAFileOrAnUnwritablePlaceSaysWhatIsWrong(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("results.txt"), "x");
        IllegalArgumentException notAFolder = assertThrows(IllegalArgumentException.class,
                () -> RunFolder.forOut(file, false));
        assertTrue(notAFolder.getMessage().startsWith("--out: " + file + " is a file, expected a folder"),
                notAFolder.getMessage());
        IOException cannotCreate = assertThrows(IOException.class, () -> RunFolder.forOut(file.resolve("run"), false));
        assertTrue(cannotCreate.getMessage().startsWith("--out: cannot create the folder " + file.resolve("run") + ": "),
                cannotCreate.getMessage());
        assertTrue(cannotCreate.getMessage().length() > ("--out: cannot create the folder " + file.resolve("run")
                + ": ").length(), "a reason follows the path: " + cannotCreate.getMessage());
    }

    @Test
    void resumeNeedsACheckpoint(@TempDir Path dir) throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunFolder.forResume(dir));
        assertTrue(e.getMessage().contains("is not a run with a checkpoint"), e.getMessage());
        Files.writeString(dir.resolve(RunFolder.CHECKPOINT), "");
        assertEquals(dir, RunFolder.forResume(dir).dir());
        assertEquals(dir.toAbsolutePath(), RunFolder.forResume(dir.resolve(RunFolder.CHECKPOINT)).dir());
    }
}
