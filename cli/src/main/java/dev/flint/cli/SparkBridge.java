package dev.flint.cli;

import dev.flint.data.DataLoader;
import dev.flint.data.Dataset;
import dev.flint.nn.Module;
import dev.flint.optim.Optimizer;
import dev.flint.tensor.Tensor;
import dev.flint.train.History;
import dev.flint.train.TrainerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongFunction;

/**
 * {@code flint train --spark}: hands the run to module {@code spark} ({@code dev.flint.spark.SparkTrain}),
 * found by reflection because nothing in Flint depends on it (it brings Spark, which only a cluster has).
 * Without it on the class path, the option is a clear error saying how to run.
 */
final class SparkBridge {
    static final String ENTRY = "dev.flint.spark.SparkTrain";

    private SparkBridge() {
    }

    /**
     * The entry point of module spark, or an error saying how to run with it; called before any work so
     * that a missing module costs nothing.
     */
    static Method entry(String master) {
        try {
            return Class.forName(ENTRY).getMethod("fit", Map.class);
        } catch (ClassNotFoundException | NoSuchMethodException | LinkageError e) {
            throw new IllegalStateException("--spark needs the flint-spark module and Apache Spark on the class path, "
                    + "and this flint has neither (" + ENTRY + " not found). Run it through Spark instead: "
                    + "spark-submit --master " + master + " spark/target/flint-spark.jar <train options> "
                    + "(see spark/README.md)", e);
        }
    }

    /** Trains {@code net} and {@code opt} on the cluster at {@code master}; returns the history. */
    static History fit(String master, Module net, Optimizer opt, TrainerConfig config, Dataset train,
                       DataLoader validation, int batchSize, long seed, Path out, LongFunction<Module> modelFactory,
                       Function<List<Tensor>, Optimizer> optimizerFactory, PrintWriter console) throws IOException {
        Method fit = entry(master);
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("master", master);
        request.put("model", net);
        request.put("optimizer", opt);
        request.put("config", config);
        request.put("train", train);
        request.put("validation", validation);
        request.put("batchSize", batchSize);
        request.put("seed", seed);
        request.put("out", out);
        request.put("modelFactory", modelFactory);
        request.put("optimizerFactory", optimizerFactory);
        request.put("console", console);
        try {
            return (History) fit.invoke(null, request);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(ENTRY + ".fit is not accessible: " + e.getMessage(), e);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause.getMessage(), cause);
        }
    }
}
