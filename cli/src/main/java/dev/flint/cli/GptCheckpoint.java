package dev.flint.cli;

import dev.flint.backend.Backend;
import dev.flint.data.text.CharTokenizer;
import dev.flint.io.CorruptFileException;
import dev.flint.io.SafeTensors;
import dev.flint.nn.gpt.Gpt;
import dev.flint.nn.gpt.GptConfig;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A trained character-level GPT in one safetensors file: the weights under the model's parameter names,
 * and in the metadata the configuration and the tokenizer's vocabulary, so {@code flint gpt sample}
 * needs nothing else.
 *
 * <pre>{@code
 * GptCheckpoint.save(Path.of("runs/gpt/gpt.safetensors"), gpt, tokenizer, Map.of("gpt.iterations", "2000"));
 * GptCheckpoint.Loaded c = GptCheckpoint.load(Path.of("runs/gpt/gpt.safetensors"), backend);
 * }</pre>
 */
final class GptCheckpoint {
    static final String MODEL_KEY = "flint.model";
    static final String MODEL_NAME = "gpt";

    private GptCheckpoint() {
    }

    /** A model read back, with the tokenizer it was trained with and the file's metadata. */
    record Loaded(Gpt model, CharTokenizer tokenizer, Map<String, String> metadata) {
    }

    static void save(Path file, Gpt gpt, CharTokenizer tokenizer, Map<String, String> extra) throws IOException {
        GptConfig c = gpt.config();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put(MODEL_KEY, MODEL_NAME);
        meta.put("gpt.vocab_size", Integer.toString(c.vocabSize()));
        meta.put("gpt.context", Integer.toString(c.contextLength()));
        meta.put("gpt.layers", Integer.toString(c.layers()));
        meta.put("gpt.heads", Integer.toString(c.heads()));
        meta.put("gpt.embed", Integer.toString(c.embedDim()));
        meta.put("gpt.dropout", String.format(Locale.ROOT, "%s", c.dropout()));
        meta.put("gpt.vocabulary", tokenizer.vocabulary());
        meta.putAll(extra);
        Map<String, Tensor> state = gpt.stateDict();
        try {
            SafeTensors.write(file, state, meta);
        } finally {
            state.values().forEach(Tensor::close);
        }
    }

    static Loaded load(Path file, Backend backend) throws IOException {
        Map<String, String> meta = SafeTensors.readMetadata(file);
        if (!MODEL_NAME.equals(meta.get(MODEL_KEY))) {
            throw new CorruptFileException(file.toString(), "not a GPT checkpoint of flint gpt train (its metadata says "
                    + MODEL_KEY + "=" + meta.get(MODEL_KEY) + ")");
        }
        GptConfig config;
        CharTokenizer tokenizer;
        try {
            config = new GptConfig(integer(meta, "gpt.vocab_size", file), integer(meta, "gpt.context", file),
                    integer(meta, "gpt.layers", file), integer(meta, "gpt.heads", file), integer(meta, "gpt.embed", file),
                    Float.parseFloat(meta.getOrDefault("gpt.dropout", "0")));
            tokenizer = CharTokenizer.of(meta.getOrDefault("gpt.vocabulary", ""));
        } catch (IllegalArgumentException e) {
            throw new CorruptFileException(file.toString(), "bad GPT metadata: " + e.getMessage());
        }
        if (tokenizer.vocabSize() != config.vocabSize()) {
            throw new CorruptFileException(file.toString(), "the vocabulary has " + tokenizer.vocabSize()
                    + " characters but the model " + config.vocabSize() + " tokens");
        }
        Gpt gpt = new Gpt(config, new Rng(0), backend);
        Map<String, Tensor> state = SafeTensors.read(file, backend);
        try {
            gpt.loadStateDict(state);
        } catch (IllegalArgumentException e) {
            gpt.close();
            throw new CorruptFileException(file.toString(), "the weights do not fit the model its metadata describes: "
                    + e.getMessage());
        } finally {
            state.values().forEach(Tensor::close);
        }
        return new Loaded(gpt, tokenizer, meta);
    }

    private static int integer(Map<String, String> meta, String key, Path file) throws CorruptFileException {
        String v = meta.get(key);
        if (v == null) {
            throw new CorruptFileException(file.toString(), "GPT metadata lacks '" + key + "'");
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new CorruptFileException(file.toString(), "GPT metadata '" + key + "' is not an integer: '" + v + "'");
        }
    }
}
