package dev.flint.cli;

import dev.flint.train.IoMessages;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.stream.Stream;

/**
 * The folder of one training run and the files in it. A run never writes into another run's folder
 * unless asked: the default folder {@code runs/<timestamp>} is created atomically (a second run in the
 * same second gets {@code <timestamp>-2}), and {@code --out} onto a folder that already holds files is
 * refused without {@code --overwrite}.
 */
final class RunFolder {
    static final String CHECKPOINT = "checkpoint.safetensors";
    static final String HISTORY = "history.csv";
    static final String MODEL = "model.safetensors";
    static final String CHART = "learning-curves.png";
    /** The files a run writes; {@code --overwrite} removes these (and their temporary siblings) only. */
    static final List<String> RUN_FILES = List.of(CHECKPOINT, HISTORY, MODEL, CHART);

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final Path dir;

    private RunFolder(Path dir) {
        this.dir = dir;
    }

    /** A new folder {@code parent/<timestamp>}, or {@code <timestamp>-N} when that name is taken. */
    static RunFolder createUnique(Path parent, LocalDateTime now) throws IOException {
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw IoMessages.wrap("cannot create the runs folder", parent, e);
        }
        String stamp = now.format(STAMP);
        for (int n = 1; ; n++) {
            Path candidate = parent.resolve(n == 1 ? stamp : stamp + "-" + n);
            try {
                // createDirectory fails if the name exists, atomically: two runs can never both get it.
                return new RunFolder(Files.createDirectory(candidate));
            } catch (FileAlreadyExistsException taken) {
                // another run started this second: try the next name
            } catch (IOException e) {
                throw IoMessages.wrap("cannot create the run folder", candidate, e);
            }
        }
    }

    /**
     * The folder {@code --out} names, created when missing.
     *
     * @throws IllegalArgumentException when the option itself is wrong: a file, or a folder that holds
     *     files while {@code overwrite} is off (the caller reports it as a bad option)
     * @throws IOException naming the folder when it cannot be created or written (no permission, a
     *     read-only disk)
     */
    static RunFolder forOut(Path dir, boolean overwrite) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--out: " + dir + " is a file, expected a folder for the run's files ("
                    + HISTORY + ", " + MODEL + ", ...)");
        }
        if (Files.isDirectory(dir)) {
            List<String> present = contents(dir);
            if (!present.isEmpty() && !overwrite) {
                throw new IllegalArgumentException("--out: " + dir + " already holds files (" + String.join(", ",
                        present.subList(0, Math.min(4, present.size()))) + (present.size() > 4 ? ", ..." : "")
                        + "); choose another folder, add --overwrite to replace the run there, or --resume " + dir
                        + " to continue it");
            }
            if (overwrite) {
                for (String name : RUN_FILES) {
                    delete(dir.resolve(name));
                    delete(dir.resolve(name + ".tmp"));
                }
            }
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw IoMessages.wrap("--out: cannot create the folder", dir, e);
        }
        RunFolder folder = new RunFolder(dir);
        folder.checkWritable();
        return folder;
    }

    /**
     * The folder of the run to resume: {@code path} is the folder or its checkpoint file.
     *
     * @throws IllegalArgumentException when there is no checkpoint there
     */
    static RunFolder forResume(Path path) {
        Path dir = Files.isRegularFile(path) ? path.toAbsolutePath().getParent() : path;
        if (!Files.isRegularFile(dir.resolve(CHECKPOINT))) {
            throw new IllegalArgumentException("--resume: " + path + " is not a run with a checkpoint (no "
                    + dir.resolve(CHECKPOINT) + "); runs write one after every epoch");
        }
        return new RunFolder(dir);
    }

    /** Writes and removes a probe file, so an unwritable folder fails before training, not after it. */
    private void checkWritable() throws IOException {
        Path probe = dir.resolve(".flint-write-test");
        try {
            Files.writeString(probe, "");
            Files.delete(probe);
        } catch (IOException e) {
            throw IoMessages.wrap("--out: cannot write into the folder", dir, e);
        }
    }

    private static List<String> contents(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw IoMessages.wrap("--out: cannot list the folder", dir, e);
        }
    }

    private static void delete(Path file) throws IOException {
        try {
            // Files only: a folder of that name is not something a run wrote, so it is not ours to remove.
            if (Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw IoMessages.wrap("--overwrite: cannot remove", file, e);
        }
    }

    Path dir() {
        return dir;
    }

    Path checkpoint() {
        return dir.resolve(CHECKPOINT);
    }

    Path history() {
        return dir.resolve(HISTORY);
    }

    Path model() {
        return dir.resolve(MODEL);
    }

    Path chart() {
        return dir.resolve(CHART);
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
