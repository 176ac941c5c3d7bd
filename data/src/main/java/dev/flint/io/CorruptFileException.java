package dev.flint.io;

import java.io.IOException;

/**
 * A file that Flint reads (an MNIST IDX file, a safetensors file) is malformed: a bad magic number,
 * a truncated body, a header that contradicts the data. The message starts with the file's name and
 * says what was expected and what was found.
 *
 * <pre>{@code
 * try { Mnist.load(dir); }
 * catch (CorruptFileException e) { System.err.println(e.getMessage()); } // "train-images-idx3-ubyte.gz: truncated: ..."
 * }</pre>
 */
public class CorruptFileException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String file;

    /**
     * @param file the file's name as the user knows it (usually its last path element)
     * @param detail what is wrong, stating expected and found values
     */
    public CorruptFileException(String file, String detail) {
        super(file + ": " + detail);
        this.file = file;
    }

    /** Same as {@link #CorruptFileException(String, String)}, keeping the low-level cause. */
    public CorruptFileException(String file, String detail, Throwable cause) {
        super(file + ": " + detail, cause);
        this.file = file;
    }

    /** The name of the malformed file. */
    public String file() {
        return file;
    }
}
