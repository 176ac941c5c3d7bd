package dev.flint.optim;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The lines of {@code gpt-training-reference.txt}, which scripts/pytorch/gpt_training_reference.py
 * wrote with PyTorch: schedule values, an AdamW trajectory and sampling probabilities.
 */
public final class GptTrainingReference {
    private final List<String> lines = new ArrayList<>();

    private GptTrainingReference() {
        try (InputStream in = GptTrainingReference.class.getResourceAsStream(
                "/dev/flint/optim/gpt-training-reference.txt")) {
            if (in == null) {
                throw new IllegalStateException("gpt-training-reference.txt missing from the test class path");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.startsWith("#")) {
                    lines.add(line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The reference file. */
    public static GptTrainingReference load() {
        return new GptTrainingReference();
    }

    /** The lines after the comment. */
    public List<String> lines() {
        return lines;
    }

    /** The first line starting with {@code prefix}. */
    public String line(String prefix) {
        for (String l : lines) {
            if (l.startsWith(prefix)) {
                return l;
            }
        }
        throw new IllegalArgumentException("no line starting with '" + prefix + "'");
    }

    /** The numbers after the first ':' (or after the first word when there is none) of {@code line}. */
    public static float[] floats(String line) {
        int colon = line.indexOf(':');
        String tail = colon >= 0 ? line.substring(colon + 1) : line.substring(line.indexOf(' ') + 1);
        String[] parts = tail.trim().split("\\s+");
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Float.parseFloat(parts[i]);
        }
        return out;
    }
}
