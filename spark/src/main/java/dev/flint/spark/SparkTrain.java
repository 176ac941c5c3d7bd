package dev.flint.spark;

import java.util.Arrays;
import java.util.Map;

/**
 * Entry points that work without Spark's classes being loadable, so a missing Spark is a clear error
 * rather than a {@code NoClassDefFoundError}: the {@code spark-submit} main class of
 * {@code flint-spark.jar}, and the call behind {@code flint train --spark} (which the command makes by
 * reflection, because nothing in Flint depends on this module).
 *
 * <pre>
 *   spark-submit --master spark://host:7077 --conf spark.flint.workers=2 spark/target/flint-spark.jar --epochs 3
 * </pre>
 *
 * <p>The arguments are those of {@code flint train} ({@code --model}, {@code --epochs}, {@code --out}, ...);
 * {@code --spark} is set to the master that {@code spark-submit} was given.
 */
public final class SparkTrain {
    /** The Spark class whose presence means Spark is on the class path. */
    static final String SPARK_CONTEXT = "org.apache.spark.SparkContext";

    private SparkTrain() {
    }

    /** {@code spark-submit}'s entry point: {@code flint train --spark <the submit master> <args>}. */
    public static void main(String[] args) {
        // Charts are drawn off screen, as in the command's own main.
        System.setProperty("java.awt.headless", "true");
        requireSpark(SparkTrain.class.getClassLoader());
        String master = System.getProperty("spark.master");
        if (master == null || master.isBlank()) {
            System.err.println("flint-spark: no Spark master: run this jar with spark-submit --master <url>, or run "
                    + "`flint train --spark <url>`");
            System.exit(2);
        }
        String[] full = new String[args.length + 3];
        full[0] = "train";
        full[1] = "--spark";
        full[2] = master;
        System.arraycopy(args, 0, full, 3, args.length);
        int code = dev.flint.cli.Flint.commandLine().execute(full);
        if (code != 0) {
            System.err.println("flint-spark: `flint " + String.join(" ", Arrays.asList(full)) + "` exited with " + code);
        }
        System.exit(code);
    }

    /**
     * What {@code flint train --spark} calls: trains the command's model on the cluster and returns the
     * {@code dev.flint.train.History}. The request's keys are documented in {@link CliRun}.
     *
     * @throws IllegalStateException when Spark is not on the class path, saying how to run with it
     */
    public static Object fit(Map<String, Object> request) {
        requireSpark(SparkTrain.class.getClassLoader());
        return CliRun.fit(request);
    }

    /**
     * Checks that Spark can be loaded through {@code loader}.
     *
     * @throws IllegalStateException naming the missing class and how to run with Spark
     */
    public static void requireSpark(ClassLoader loader) {
        try {
            Class.forName(SPARK_CONTEXT, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalStateException("Apache Spark is not on the class path (" + SPARK_CONTEXT + " not found): "
                    + "run with spark-submit (spark-submit --master <url> spark/target/flint-spark.jar ...), or put "
                    + "Spark's jars ($SPARK_HOME/jars/*, Spark 4.0 for Scala 2.13) on the class path; see "
                    + "spark/README.md", e);
        }
    }
}
