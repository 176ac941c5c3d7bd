package dev.flint.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.cli.Flint;
import dev.flint.io.SafeTensors;
import dev.flint.train.History;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The entry points: {@code flint train --spark local[2]} end to end, and a class path without Spark. */
class SparkTrainTest {

    @Test
    @Tag("spark")
    @Timeout(300)
    void flintTrainWithSparkWritesWhatALocalRunWrites(@TempDir Path out) throws Exception {
        CommandLine cl = Flint.commandLine();
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        cl.setOut(new PrintWriter(stdout, true));
        cl.setErr(new PrintWriter(stderr, true));
        System.setProperty("spark.driver.host", "127.0.0.1");
        System.setProperty("spark.driver.bindAddress", "127.0.0.1");
        int code = cl.execute("train", "--spark", "local[2]", "--model", "mlp", "--epochs", "2", "--train-subset", "2000",
                "--batch-size", "64", "--backend", "cpu", "--out", out.toString(), "--no-progress");
        assertEquals(0, code, stdout + "\n" + stderr);
        String text = stdout.toString();
        assertTrue(text.contains("spark: local[2], 2 workers, global batch 64 (32 per worker)"), text);
        for (String file : List.of("model.safetensors", "history.csv", "learning-curves.png",
                "spark-checkpoint/checkpoint.safetensors", "spark-checkpoint/history.csv")) {   // the Spark run's own checkpoint
            assertTrue(Files.size(out.resolve(file)) > 0, file);
        }
        History h = History.readCsv(out.resolve("history.csv"));
        assertEquals(2, h.size());
        assertTrue(h.records().get(1).validationAccuracy() > 0.8, "an MLP learns MNIST on two workers: " + h);
        Map<String, String> meta = SafeTensors.readMetadata(out.resolve("model.safetensors"));
        assertEquals("mlp", meta.get("flint.model"));
        assertTrue(Double.parseDouble(meta.get("flint.test_accuracy")) > 0.8, meta.toString());
        System.out.print(text);
    }

    @Test
    void withoutSparkOnTheClassPathTheEntryPointSaysHowToRun() throws Exception {
        // This module's and Flint's classes, but none of Spark's or Scala's.
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.contains("org" + File.separator + "apache" + File.separator + "spark")
                    && !entry.contains("scala-lang")) {
                urls.add(Path.of(entry).toUri().toURL());
            }
        }
        try (URLClassLoader noSpark = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader())) {
            Class<?> entry = noSpark.loadClass(SparkTrain.class.getName());
            Method fit = entry.getMethod("fit", Map.class);
            InvocationTargetException e = assertThrows(InvocationTargetException.class, () -> fit.invoke(null, Map.of()));
            IllegalStateException cause = assertInstanceOf(IllegalStateException.class, e.getCause());
            assertTrue(cause.getMessage().startsWith("Apache Spark is not on the class path "
                    + "(org.apache.spark.SparkContext not found): run with spark-submit"), cause.getMessage());
        }
    }

    @Test
    void workersComeFromTheSettingTheLocalMasterOrTheCoreLimit() {
        org.apache.spark.SparkConf conf = new org.apache.spark.SparkConf(false);
        assertEquals(4, CliRun.workers(conf, "local[4]"));
        assertEquals(3, CliRun.workers(conf, "local[3,2]"));
        assertEquals(6, CliRun.workers(conf.clone().set("spark.cores.max", "6"), "spark://h:7077"));
        assertEquals(2, CliRun.workers(conf.clone().set(CliRun.WORKERS, "2"), "local[4]"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CliRun.workers(conf, "spark://h:7077"));
        assertTrue(e.getMessage().startsWith("how many Spark workers? Set spark.flint.workers"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CliRun.workers(conf.clone().set(CliRun.WORKERS, "zero"), "local[2]"));
        assertEquals("spark.flint.workers must be a positive number of workers, got 'zero'", e.getMessage());
    }
}
