package dev.flint.spark;

import dev.flint.data.DataLoader;
import dev.flint.data.Dataset;
import dev.flint.loss.CrossEntropyLoss;
import dev.flint.nn.Module;
import dev.flint.optim.Optimizer;
import dev.flint.tensor.Tensor;
import dev.flint.train.History;
import dev.flint.train.TrainerConfig;
import java.io.PrintWriter;
import java.io.Serializable;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * {@code flint train --spark MASTER}: the command builds its model, optimizer, configuration and data as
 * for a local run and hands them here; this trains them on the cluster with {@link SparkTrainer} and
 * returns the {@link History}, after which the command evaluates, saves and plots exactly as after a
 * local run.
 *
 * <p>The request (JDK and Flint types only, as the command cannot see this module's types):
 * {@code master} (String), {@code model} (Module), {@code optimizer} (Optimizer), {@code config}
 * (TrainerConfig), {@code train} (Dataset), {@code validation} (DataLoader), {@code batchSize} (Integer,
 * the global batch), {@code seed} (Long), {@code out} (Path: checkpoints go to {@code out/spark-checkpoint}),
 * {@code modelFactory} (a Serializable {@code LongFunction<Module>}), {@code optimizerFactory} (a
 * Serializable {@code Function<List<Tensor>, Optimizer>}), {@code console} (PrintWriter).
 *
 * <p>Workers: the Spark setting {@code spark.flint.workers} when given ({@code --conf} or
 * {@code -Dspark.flint.workers}), else N of a {@code local[N]} master, else {@code spark.cores.max}.
 */
final class CliRun {
    static final String WORKERS = "spark.flint.workers";
    /** For recovery tests only: {@code epoch:rank:step:throw|halt}, see {@link Fault#parse}. */
    static final String FAULT = "spark.flint.fault";
    private static final Pattern LOCAL = Pattern.compile("local\\[(\\d+)(,\\d+)?]");

    private CliRun() {
    }

    static History fit(Map<String, Object> request) {
        String master = get(request, "master", String.class);
        Module model = get(request, "model", Module.class);
        Optimizer optimizer = get(request, "optimizer", Optimizer.class);
        TrainerConfig config = get(request, "config", TrainerConfig.class);
        Dataset train = get(request, "train", Dataset.class);
        DataLoader validation = get(request, "validation", DataLoader.class);
        int batchSize = get(request, "batchSize", Integer.class);
        long seed = get(request, "seed", Long.class);
        Path out = get(request, "out", Path.class);
        PrintWriter console = get(request, "console", PrintWriter.class);
        ModelFactory modelFactory = modelFactory(get(request, "modelFactory", LongFunction.class));
        OptimizerFactory optimizerFactory = optimizerFactory(get(request, "optimizerFactory", Function.class));

        SparkConf conf = new SparkConf().setMaster(master).setAppName("flint train")
                .setIfMissing("spark.ui.showConsoleProgress", "false")
                // Barrier tasks wait for each other at the address exchange; a missing one must not hang.
                .setIfMissing("spark.barrier.sync.timeout", "300s")
                .setIfMissing("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "3");
        Set<String> jars = applicationJars(request.get("modelFactory").getClass());
        if (!jars.isEmpty() && !master.startsWith("local")) {
            conf.setJars(jars.toArray(new String[0]));
        }
        int workers = workers(conf, master);
        if (batchSize % workers != 0) {
            throw new IllegalArgumentException("--batch-size " + batchSize + " does not split evenly over " + workers
                    + " Spark workers: use a multiple of " + workers + " (each step trains on the whole batch, "
                    + batchSize / workers + "-ish samples per worker)");
        }
        Path checkpoints = out.resolve("spark-checkpoint");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("WARN");
            console.printf("spark: %s, %d workers, global batch %d (%d per worker), checkpoints in %s%n", sc.master(),
                    workers, batchSize, batchSize / workers, checkpoints);
            console.flush();
            JavaRDD<Sample> data = SparkData.parallelize(sc, train, workers, seed);
            SparkTrainerOptions.Builder builder = SparkTrainerOptions.builder().workers(workers).globalBatch(batchSize)
                    .seed(seed).checkpointDir(checkpoints);
            if (conf.contains(FAULT)) {
                builder.fault(Fault.parse(conf.get(FAULT)));
                console.printf("spark: will inject %s (%s)%n", conf.get(FAULT), FAULT);
            }
            SparkTrainerOptions options = builder.build();
            SparkTrainer trainer = new SparkTrainer(model, optimizer, CrossEntropyLoss::new, config, modelFactory,
                    optimizerFactory, options);
            History history = trainer.fit(sc, data, train.sampleShape().dims(), validation);
            console.printf("spark: %s%n", trainer.stopReason());
            return history;
        }
    }

    /** The number of workers; see the class comment. */
    static int workers(SparkConf conf, String master) {
        if (conf.contains(WORKERS)) {
            return positive(conf.get(WORKERS), WORKERS);
        }
        if (System.getProperty(WORKERS) != null) {
            return positive(System.getProperty(WORKERS), WORKERS);
        }
        Matcher m = LOCAL.matcher(master);
        if (m.matches()) {
            return positive(m.group(1), "the N of " + master);
        }
        if (conf.contains("spark.cores.max")) {
            return positive(conf.get("spark.cores.max"), "spark.cores.max");
        }
        throw new IllegalArgumentException("how many Spark workers? Set " + WORKERS + " (spark-submit --conf " + WORKERS
                + "=4, or -D" + WORKERS + "=4), or spark.cores.max; each worker is one barrier task and needs one core");
    }

    private static int positive(String text, String what) {
        try {
            int n = Integer.parseInt(text.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // Reported below with the value.
        }
        throw new IllegalArgumentException(what + " must be a positive number of workers, got '" + text + "'");
    }

    /** The jars holding Flint's classes and the command's, for the executors to load (none when run from folders). */
    private static Set<String> applicationJars(Class<?> commandClass) {
        Set<String> jars = new LinkedHashSet<>();
        for (Class<?> c : List.of(CliRun.class, commandClass, Tensor.class)) {
            try {
                var source = c.getProtectionDomain().getCodeSource();
                if (source != null) {
                    Path p = Path.of(source.getLocation().toURI());
                    if (Files.isRegularFile(p)) {
                        jars.add(p.toString());
                    }
                }
            } catch (URISyntaxException | SecurityException ignored) {
                // A class without a file location (a custom loader): Spark's own jar shipping must cover it.
            }
        }
        return jars;
    }

    @SuppressWarnings("unchecked")
    private static ModelFactory modelFactory(LongFunction<?> f) {
        requireSerializable(f, "modelFactory");
        LongFunction<Module> typed = (LongFunction<Module>) f;
        return typed::apply;
    }

    @SuppressWarnings("unchecked")
    private static OptimizerFactory optimizerFactory(Function<?, ?> f) {
        requireSerializable(f, "optimizerFactory");
        Function<List<Tensor>, Optimizer> typed = (Function<List<Tensor>, Optimizer>) f;
        return typed::apply;
    }

    private static void requireSerializable(Object f, String key) {
        if (!(f instanceof Serializable)) {
            throw new IllegalArgumentException("SparkTrain: '" + key + "' must be Serializable (it runs on the executors): "
                    + "cast the lambda, (LongFunction<Module> & Serializable) seed -> ...");
        }
    }

    private static <T> T get(Map<String, Object> request, String key, Class<T> type) {
        Object value = request.get(key);
        if (value == null && !key.equals("validation")) {
            throw new IllegalArgumentException("SparkTrain.fit: the request lacks '" + key + "' (" + type.getSimpleName()
                    + "); it has " + request.keySet());
        }
        if (value != null && !type.isInstance(value)) {
            throw new IllegalArgumentException("SparkTrain.fit: '" + key + "' must be a " + type.getSimpleName() + ", got "
                    + value.getClass().getName());
        }
        return type.cast(value);
    }
}
