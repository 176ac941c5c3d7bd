package dev.flint.train;

import dev.flint.backend.Backend;
import dev.flint.backend.DType;
import dev.flint.io.HostTensor;
import dev.flint.io.SafeTensors;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A training run's state after an epoch, as a {@link Trainer} writes it with
 * {@link TrainerConfig.Builder#checkpoint}: one safetensors file holding the model's parameters
 * ({@code model.*}), the optimizer's state ({@code optimizer.*}), the best epoch's parameters when early
 * stopping restores them ({@code best.*}), and in its metadata the epoch, the history, the state of
 * every dropout generator, of the learning-rate schedule and of early stopping, plus the caller's own
 * strings. {@link Trainer#resume} continues the run from it, bit for bit.
 *
 * <pre>{@code
 * Checkpoint c = Checkpoint.read(Path.of("runs/x/checkpoint.safetensors"));
 * System.out.println("epoch " + c.epoch() + ", " + c.history().last().orElseThrow());
 * History h = trainer.resume(c, trainLoader, validationLoader);
 * }</pre>
 *
 * <p>The file is written beside its place and moved there when complete, so a run killed at any moment
 * leaves the previous epoch's checkpoint intact. The model's entries load in PyTorch as well
 * ({@code safetensors.torch.load_file}).
 */
public final class Checkpoint {
    static final String FORMAT_KEY = "checkpoint.format";
    static final String FORMAT = "flint-checkpoint-1";
    static final String EPOCH_KEY = "checkpoint.epoch";
    static final String HISTORY_KEY = "checkpoint.history";
    static final String STOPPED_KEY = "checkpoint.stopped";
    static final String OPTIMIZER_KEY = "checkpoint.optimizer";
    static final String SCHEDULER_KEY = "checkpoint.scheduler_epoch";
    static final String EARLY_STOPPING_KEY = "checkpoint.early_stopping";
    static final String BEST_EPOCH_KEY = "checkpoint.best_epoch";
    static final String RNG_PREFIX = "checkpoint.rng.";
    /** Metadata keys starting with this are the trainer's; the caller's own must not. */
    static final String RESERVED_PREFIX = "checkpoint.";
    static final String MODEL = "model.";
    static final String OPTIMIZER = "optimizer.";
    static final String BEST = "best.";

    private final Path file;
    private final Map<String, String> metadata;
    private final Map<String, HostTensor> tensors;
    private final int epoch;
    private final History history;

    private Checkpoint(Path file, Map<String, String> metadata, Map<String, HostTensor> tensors, int epoch,
                       History history) {
        this.file = file;
        this.metadata = metadata;
        this.tensors = tensors;
        this.epoch = epoch;
        this.history = history;
    }

    /**
     * Reads a checkpoint.
     *
     * @throws IOException naming the file when it cannot be read, is not a safetensors file, or is not a
     *     checkpoint of this format
     */
    public static Checkpoint read(Path file) throws IOException {
        SafeTensors.Contents c;
        try {
            c = SafeTensors.readHost(file);
        } catch (dev.flint.io.CorruptFileException e) {
            throw e;
        } catch (IOException e) {
            throw IoMessages.wrap("cannot read the checkpoint", file, e);
        }
        Map<String, String> meta = c.metadata();
        if (!FORMAT.equals(meta.get(FORMAT_KEY))) {
            throw new IOException(file + " is not a Flint checkpoint: its metadata has " + FORMAT_KEY + " = "
                    + meta.get(FORMAT_KEY) + ", expected " + FORMAT);
        }
        int epoch;
        History history;
        try {
            epoch = Integer.parseInt(meta.getOrDefault(EPOCH_KEY, ""));
            history = History.parseCsv(meta.getOrDefault(HISTORY_KEY, ""), file + " (" + HISTORY_KEY + ")");
        } catch (NumberFormatException e) {
            throw new IOException(file + ": " + EPOCH_KEY + " should be a number, got '" + meta.get(EPOCH_KEY) + "'");
        }
        if (history.size() != epoch || history.last().map(r -> r.epoch() != epoch).orElse(epoch != 0)) {
            throw new IOException(file + ": the history holds " + history.size() + " epochs, the checkpoint says "
                    + epoch);
        }
        return new Checkpoint(file, meta, c.tensors(), epoch, history);
    }

    /** The file read. */
    public Path file() {
        return file;
    }

    /** Epochs completed when the checkpoint was written (1-based: 3 means epochs 1 to 3 are done). */
    public int epoch() {
        return epoch;
    }

    /** The history of those epochs. */
    public History history() {
        return history;
    }

    /** Every metadata string, the trainer's ({@code checkpoint.*}) and the caller's. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Why the run stopped for good at this epoch (early stopping), or empty when it may go on (a run
     * that trained all its epochs can be resumed with more).
     */
    public Optional<String> stopReason() {
        return Optional.ofNullable(metadata.get(STOPPED_KEY));
    }

    /** The epoch whose parameters {@link #bestModel} holds, when early stopping kept them. */
    public OptionalInt bestEpoch() {
        String s = metadata.get(BEST_EPOCH_KEY);
        return s == null ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(s));
    }

    /** The model's parameters at this epoch, on {@code backend}; the caller owns them. */
    public Map<String, Tensor> model(Backend backend) {
        return section(MODEL, backend);
    }

    /** The best epoch's parameters on {@code backend} (empty when none were kept); the caller owns them. */
    public Map<String, Tensor> bestModel(Backend backend) {
        return section(BEST, backend);
    }

    /** The optimizer's state, as {@code Optimizer.stateDict()} made it, on {@code backend}. */
    Map<String, Tensor> optimizer(Backend backend) {
        return section(OPTIMIZER, backend);
    }

    private Map<String, Tensor> section(String prefix, Backend backend) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
                if (e.getKey().startsWith(prefix)) {
                    HostTensor h = e.getValue();
                    Shape shape = Shape.of(h.shape());
                    out.put(e.getKey().substring(prefix.length()), h.dtype() == DType.FLOAT32
                            ? Tensor.on(backend).fromFloats(h.floats(), shape) : Tensor.on(backend).fromInts(h.ints(), shape));
                }
            }
        } catch (RuntimeException e) {
            out.values().forEach(Tensor::close);
            throw e;
        }
        return Collections.unmodifiableMap(out);
    }

    @Override
    public String toString() {
        return "Checkpoint(" + file + ", epoch " + epoch + stopReason().map(r -> ", stopped: " + r).orElse("") + ")";
    }
}
