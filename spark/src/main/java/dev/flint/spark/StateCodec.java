package dev.flint.spark;

import dev.flint.io.HostTensor;
import dev.flint.io.SafeTensors;
import dev.flint.nn.Module;
import dev.flint.optim.Optimizer;
import dev.flint.spark.replica.Tensors;
import dev.flint.backend.DType;
import dev.flint.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model's weights and its optimizer's state as one safetensors file: parameters under
 * {@code model.<name>}, optimizer state under {@code optim.<key>} ({@link Optimizer#stateDict()}), plus
 * string metadata. The same bytes travel from the driver to the workers (a broadcast), from rank 0 back
 * to the driver, and into the checkpoint file, which PyTorch's {@code safetensors} reads too.
 *
 * <pre>{@code
 * byte[] bytes = StateCodec.encode(model, optimizer, Map.of("flint.epoch", "3"));
 * Map<String, String> meta = StateCodec.decode(bytes, otherModel, otherOptimizer);
 * }</pre>
 */
public final class StateCodec {
    /** Prefix of the model's parameters. */
    public static final String MODEL = "model.";
    /** Prefix of the optimizer's state. */
    public static final String OPTIM = "optim.";

    private StateCodec() {
    }

    /** The safetensors bytes of {@code model}'s parameters and {@code optimizer}'s state, with {@code metadata}. */
    public static byte[] encode(Module model, Optimizer optimizer, Map<String, String> metadata) {
        Map<String, HostTensor> host = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            host.put(MODEL + e.getKey(), HostTensor.ofFloats(e.getValue().shape().dims(), e.getValue().toFloatArray()));
        }
        Map<String, Tensor> optim = optimizer.stateDict();
        try {
            for (Map.Entry<String, Tensor> e : optim.entrySet()) {
                Tensor t = e.getValue();
                host.put(OPTIM + e.getKey(), t.dtype() == DType.INT32 ? HostTensor.ofInts(t.shape().dims(), t.toIntArray())
                        : HostTensor.ofFloats(t.shape().dims(), t.toFloatArray()));
            }
        } finally {
            optim.values().forEach(Tensor::close);
        }
        // SafeTensors writes files; a temporary one turns them into bytes without a second writer.
        Path temp = null;
        try {
            temp = Files.createTempFile("flint-state", ".safetensors");
            SafeTensors.writeHost(temp, host, metadata);
            return Files.readAllBytes(temp);
        } catch (IOException e) {
            throw new UncheckedIOException("StateCodec: cannot serialize the model state: " + e.getMessage(), e);
        } finally {
            deleteQuietly(temp);
        }
    }

    /**
     * Loads {@code bytes} into {@code model} and {@code optimizer} (both checked before either is
     * written, so a mismatch leaves them untouched) and returns the metadata.
     *
     * @throws IllegalArgumentException when the state does not fit the model or the optimizer, naming the
     *     parameter and both shapes
     */
    public static Map<String, String> decode(byte[] bytes, Module model, Optimizer optimizer) {
        SafeTensors.Contents contents = read(bytes);
        Map<String, Tensor> weights = new LinkedHashMap<>();
        Map<String, Tensor> optim = new LinkedHashMap<>();
        var backend = model.parameters().get(0).backend();
        try {
            for (Map.Entry<String, HostTensor> e : contents.tensors().entrySet()) {
                String key = e.getKey();
                if (key.startsWith(MODEL)) {
                    weights.put(key.substring(MODEL.length()), Tensors.fromHost(e.getValue(), backend));
                } else if (key.startsWith(OPTIM)) {
                    optim.put(key.substring(OPTIM.length()), Tensors.fromHost(e.getValue(), backend));
                } else {
                    throw new IllegalArgumentException("StateCodec: unexpected tensor '" + key + "' (expected names "
                            + "starting with '" + MODEL + "' or '" + OPTIM + "')");
                }
            }
            Map<String, Tensor> before = model.stateDict();
            try {
                model.loadStateDict(weights);
                try {
                    optimizer.loadStateDict(optim);
                } catch (RuntimeException ex) {
                    model.loadStateDict(before);
                    throw ex;
                }
            } finally {
                before.values().forEach(Tensor::close);
            }
        } finally {
            weights.values().forEach(Tensor::close);
            optim.values().forEach(Tensor::close);
        }
        return contents.metadata();
    }

    /** Only the metadata of {@code bytes}. */
    public static Map<String, String> metadata(byte[] bytes) {
        return read(bytes).metadata();
    }

    private static SafeTensors.Contents read(byte[] bytes) {
        Path temp = null;
        try {
            temp = Files.createTempFile("flint-state", ".safetensors");
            Files.write(temp, bytes);
            return SafeTensors.readHost(temp);
        } catch (IOException e) {
            throw new UncheckedIOException("StateCodec: cannot read the model state: " + e.getMessage(), e);
        } finally {
            deleteQuietly(temp);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // A leftover temporary file is not worth failing a training step for.
            }
        }
    }
}
