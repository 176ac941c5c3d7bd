package dev.flint.cli;

import dev.flint.backend.Backend;
import dev.flint.backend.DType;
import dev.flint.data.DataLoader;
import dev.flint.data.Mnist;
import dev.flint.io.HostTensor;
import dev.flint.io.SafeTensors;
import dev.flint.loss.CrossEntropyLoss;
import dev.flint.nn.Sequential;
import dev.flint.tensor.Rng;
import dev.flint.tensor.Shape;
import dev.flint.tensor.Tensor;
import dev.flint.train.Metrics;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code flint eval}: loads a model saved by {@code flint train} and reports its loss and accuracy on
 * the MNIST test images.
 *
 * <pre>
 *   flint eval --model-file runs/20260101-120000/model.safetensors             # model kind read from the file
 *   flint eval --model-file model.safetensors --model cnn --data ../shared/data/mnist
 * </pre>
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Test accuracy of a model saved by 'flint train'.")
final class EvalCommand implements Callable<Integer> {
    /** Metadata key under which {@code flint train} records the model kind. */
    static final String MODEL_KEY = "flint.model";

    @Spec
    CommandSpec spec;

    @Option(names = "--model-file", required = true, paramLabel = "FILE",
            description = "A model.safetensors written by 'flint train'.")
    Path modelFile;

    @Option(names = "--model", paramLabel = "linear|mlp|cnn",
            description = "Network the file holds. Default: the one recorded in the file.")
    String model;

    @Option(names = "--data", defaultValue = DataSource.EMBEDDED, paramLabel = "embedded|FOLDER",
            description = "Test images: 'embedded' or a folder with the MNIST files. Default: ${DEFAULT-VALUE}.")
    String data;

    @Option(names = "--backend", paramLabel = "auto|cpu|cuda",
            description = "Where to compute. Default: as the library, -Dflint.backend, else FLINT_BACKEND, else auto.")
    String backend;

    @Option(names = "--batch-size", defaultValue = "1000", description = "Images per batch. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Override
    public Integer call() throws Exception {
        OptionChecks.requireKnownBackend(spec, backend);
        if (batchSize < 1) {
            throw new ParameterException(spec.commandLine(), "--batch-size must be at least 1, got " + batchSize);
        }
        if (model != null && !Models.NAMES.contains(model.toLowerCase(Locale.ROOT))) {
            throw new ParameterException(spec.commandLine(), "--model: unknown model '" + model + "', expected one of "
                    + String.join(", ", Models.NAMES));
        }
        if (!Files.isRegularFile(modelFile)) {
            throw new ParameterException(spec.commandLine(), "--model-file: no such file: " + modelFile);
        }
        String kind = model;
        if (kind == null) {
            kind = SafeTensors.readMetadata(modelFile).get(MODEL_KEY);
            if (kind == null) {
                throw new ParameterException(spec.commandLine(), modelFile + " does not say which model it holds (no '"
                        + MODEL_KEY + "' in its metadata): give --model linear, mlp or cnn");
            }
        }
        PrintWriter console = spec.commandLine().getOut();
        Backend device = BackendChoice.resolve(backend);
        Mnist.Data mnist = DataSource.load(data);
        Models.checkImages(data.equals(DataSource.EMBEDDED) ? "the embedded MNIST subset" : "--data " + data, "test",
                mnist.test());
        DataLoader test = DataLoader.builder(mnist.test()).batchSize(batchSize).backend(device).build();
        SafeTensors.Contents contents = SafeTensors.readHost(modelFile);
        String nonFinite = nonFinite(contents);
        if (nonFinite != null) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("flint: warning: " + modelFile + " has " + nonFinite + "; its predictions mean nothing "
                    + "(did its training diverge?)");
            err.flush();
        }
        try (Sequential net = Models.build(kind, 0f, new Rng(0), device)) {
            Map<String, Tensor> state = toDevice(contents, device);
            try {
                net.loadStateDict(state);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(modelFile + " does not hold a '" + kind + "' model: " + e.getMessage(), e);
            } finally {
                state.values().forEach(Tensor::close);
            }
            Metrics.Evaluation r = Metrics.evaluate(net, test, new CrossEntropyLoss());
            console.printf(Locale.ROOT, "%s (%s) on %s, backend %s%n", modelFile, kind, DataSource.describe(data, mnist),
                    device.name());
            console.printf(Locale.ROOT, "test accuracy: %.2f%% (loss %.4f, %,d images)%n", 100 * r.accuracy(), r.loss(),
                    r.samples());
            console.flush();
        }
        return 0;
    }

    /** "3 non-finite weights (NaN or infinite) in 0.weight, 2.bias", or null when every weight is finite. */
    static String nonFinite(SafeTensors.Contents contents) {
        long count = 0;
        List<String> where = new ArrayList<>();
        for (Map.Entry<String, HostTensor> e : contents.tensors().entrySet()) {
            if (e.getValue().dtype() != DType.FLOAT32) {
                continue;
            }
            long here = 0;
            for (float v : e.getValue().floats()) {
                if (!Float.isFinite(v)) {
                    here++;
                }
            }
            if (here > 0) {
                count += here;
                where.add(e.getKey());
            }
        }
        return count == 0 ? null : String.format(Locale.ROOT, "%,d non-finite weight%s (NaN or infinite) in %s", count,
                count == 1 ? "" : "s", String.join(", ", where));
    }

    private static Map<String, Tensor> toDevice(SafeTensors.Contents contents, Backend device) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : contents.tensors().entrySet()) {
            HostTensor h = e.getValue();
            Shape shape = Shape.of(h.shape());
            out.put(e.getKey(), h.dtype() == DType.FLOAT32 ? Tensor.on(device).fromFloats(h.floats(), shape)
                    : Tensor.on(device).fromInts(h.ints(), shape));
        }
        return out;
    }
}
