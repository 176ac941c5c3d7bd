package dev.flint.train;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * I/O errors that name the file and say what went wrong in words. Java's own messages are often just a
 * path ({@code NoSuchFileException: runs/x/model.safetensors.tmp}) or just a reason ({@code No space left
 * on device}); the files of a training run (checkpoints, history, charts, the model) are reported as
 * {@code cannot write the checkpoint runs/x/checkpoint.safetensors: no space left on device}.
 *
 * <pre>{@code
 * try {
 *     Files.writeString(file, text);
 * } catch (IOException e) {
 *     throw IoMessages.wrap("cannot write the summary", file, e);
 * }
 * }</pre>
 */
public final class IoMessages {
    private IoMessages() {
    }

    /** {@code what + " " + file + ": " + reason}, keeping {@code cause} as the cause. */
    public static IOException wrap(String what, Path file, IOException cause) {
        return new IOException(what + " " + file + ": " + reason(cause, file), cause);
    }

    /**
     * The reason of an I/O error about {@code file} in words: the operating system's reason where Java
     * has one, else the kind of error, naming the path the system complained about when it is another
     * (a temporary file, a parent folder).
     */
    public static String reason(IOException e, Path file) {
        String path = e instanceof FileSystemException f && f.getFile() != null ? f.getFile() : null;
        boolean same = path == null || file != null && Path.of(path).toAbsolutePath().equals(file.toAbsolutePath());
        String where = same ? "" : " (" + path + ")";
        if (e instanceof NoSuchFileException) {
            return "no such file or folder" + where;
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied" + where;
        }
        if (e instanceof FileAlreadyExistsException) {
            return "already exists" + where;
        }
        if (e instanceof NotDirectoryException) {
            return "not a folder" + where;
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return lowerFirst(f.getReason()) + where;
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /**
     * Moves a completely written {@code temp} onto {@code target}, atomically where the file system can,
     * so a reader (or a crash) sees the old file or the new one, never half of one.
     */
    public static void moveIntoPlace(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String lowerFirst(String s) {
        return s.isEmpty() || (s.length() > 1 && Character.isUpperCase(s.charAt(1))) ? s
                : Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }
}
