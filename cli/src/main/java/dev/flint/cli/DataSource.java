package dev.flint.cli;

import dev.flint.data.EmbeddedMnist;
import dev.flint.data.Mnist;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resolves the {@code --data} option: {@code embedded} (the MNIST subset inside the jar) or a folder
 * holding the four MNIST IDX files (gzip or raw). Pixels are standardised with MNIST's mean and standard
 * deviation, which trains faster than raw {@code [0, 1]} values.
 */
final class DataSource {
    static final String EMBEDDED = "embedded";

    private DataSource() {
    }

    static Mnist.Data load(String data) throws IOException {
        if (data.equals(EMBEDDED)) {
            return EmbeddedMnist.load(Mnist.Normalization.STANDARD);
        }
        Path dir = Path.of(data);
        if (!Files.isDirectory(dir)) {
            throw new IOException("--data: '" + data + "' is neither 'embedded' nor a folder (expected the four MNIST "
                    + "files " + Mnist.TRAIN_IMAGES + "[.gz], ... inside it)");
        }
        return Mnist.load(dir, Mnist.Normalization.STANDARD);
    }

    /** A short description for the console. */
    static String describe(String data, Mnist.Data d) {
        String source = data.equals(EMBEDDED) ? "embedded MNIST subset" : "MNIST from " + data;
        return String.format("%s: %,d training and %,d test images", source, d.train().size(), d.test().size());
    }
}
