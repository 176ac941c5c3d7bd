package dev.flint.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Backends;
import dev.flint.data.ArrayDataset;
import dev.flint.loss.CrossEntropyLoss;
import dev.flint.nn.Linear;
import dev.flint.nn.Module;
import dev.flint.nn.ReLU;
import dev.flint.nn.Sequential;
import dev.flint.optim.Adam;
import dev.flint.optim.Optimizer;
import dev.flint.spark.replica.ReferenceTraining;
import dev.flint.spark.replica.ReplicaSettings;
import dev.flint.spark.replica.Shard;
import dev.flint.tensor.Rng;
import dev.flint.train.History;
import dev.flint.train.TrainerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SparkTrainer} in Spark's local mode (barrier tasks as threads of this JVM, the ring over
 * loopback): equivalence with one worker on the whole batch, recovery from a failed worker, resuming
 * from a checkpoint, and the errors.
 */
@Tag("spark")
@Timeout(300)
class SparkTrainerTest {
    static final int[] SHAPE = {12};
    static final int CLASSES = 3;
    static final int GLOBAL_BATCH = 16;
    static final long SEED = 42;

    static JavaSparkContext context(String master) {
        SparkConf conf = new SparkConf().setMaster(master).setAppName("flint-test")
                .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.ui.enabled", "false").set("spark.ui.showConsoleProgress", "false")
                .set("spark.barrier.sync.timeout", "60s");
        return new JavaSparkContext(conf);
    }

    static Module mlp(long seed) {
        Rng rng = new Rng(seed);
        return new Sequential(new Linear(12, 16, true, rng, Backends.get("cpu")), new ReLU(),
                new Linear(16, CLASSES, true, rng, Backends.get("cpu")));
    }

    static ArrayDataset dataset(int samples) {
        Shard s = ReferenceTraining.randomShard(samples, SHAPE, CLASSES, 9);
        float[] x = new float[samples * 12];
        int[] y = new int[samples];
        int[] order = new int[samples];
        for (int i = 0; i < samples; i++) {
            order[i] = i;
        }
        s.gather(order, 0, samples, x, 0, y, 0);
        return new ArrayDataset(x, y, CLASSES, SHAPE);
    }

    /** Each partition's samples as a shard, in partition order: what the workers train on. */
    static List<Shard> shards(JavaRDD<Sample> rdd) {
        List<Shard> out = new ArrayList<>();
        for (List<Sample> part : rdd.glom().collect()) {
            float[] x = new float[part.size() * 12];
            int[] y = new int[part.size()];
            for (int i = 0; i < part.size(); i++) {
                System.arraycopy(part.get(i).features(), 0, x, i * 12, 12);
                y[i] = part.get(i).label();
            }
            out.add(new Shard(x, y, SHAPE));
        }
        return out;
    }

    static SparkTrainer trainer(Module model, Optimizer opt, int workers, int epochs, Path dir, Fault fault,
                                ModelFactory factory) {
        return new SparkTrainer(model, opt, CrossEntropyLoss::new, TrainerConfig.builder().epochs(epochs).build(),
                factory, params -> new Adam(params, 1e-2f),
                SparkTrainerOptions.builder().workers(workers).globalBatch(GLOBAL_BATCH).seed(SEED).checkpointDir(dir)
                        .timeouts(Duration.ofSeconds(20), Duration.ofSeconds(30)).slotTimeout(Duration.ofSeconds(3))
                        .checksumEvery(4).fault(fault).build());
    }

    /** Distributed training, then the reference on the same shards; returns the largest weight difference. */
    static double trainAndCompare(JavaSparkContext sc, int workers, int epochs, Path dir, Fault fault) {
        JavaRDD<Sample> rdd = SparkData.parallelize(sc, dataset(256), workers, SEED);
        Module model = mlp(5);
        Module reference = mlp(5);
        try (Optimizer opt = new Adam(model.parameters(), 1e-2f); Optimizer refOpt = new Adam(reference.parameters(), 1e-2f)) {
            History h = trainer(model, opt, workers, epochs, dir, fault, SparkTrainerTest::mlp).fit(sc, rdd, SHAPE, null);
            assertEquals(epochs, h.size());
            ReferenceTraining.train(reference, refOpt, new CrossEntropyLoss(), shards(rdd),
                    new ReplicaSettings(GLOBAL_BATCH, SEED, 0, 0, 0, 0), 0, epochs);
            double[] worst = new double[1];
            String where = ReferenceTraining.maxDifference(model, reference, worst);
            int steps = epochs * (256 / workers / (GLOBAL_BATCH / workers));
            System.out.printf("spark equivalence, %s, %d workers x %d samples vs 1 x %d, %d Adam steps%s: "
                            + "max |w - w_ref| = %.3g (%s)%n", sc.master(), workers, GLOBAL_BATCH / workers, GLOBAL_BATCH,
                    steps, fault == null ? "" : ", with " + fault, worst[0], where);
            return worst[0];
        } finally {
            model.close();
            reference.close();
        }
    }

    @Test
    void localTwoAndFourMatchOneWorkerOnTheWholeBatch(@TempDir Path dir) {
        try (JavaSparkContext sc = context("local[2]")) {
            assertTrue(trainAndCompare(sc, 2, 3, dir.resolve("two"), null) < 1e-4);
        }
        try (JavaSparkContext sc = context("local[4]")) {
            assertTrue(trainAndCompare(sc, 4, 3, dir.resolve("four"), null) < 1e-4);
            assertTrue(Files.exists(dir.resolve("four").resolve(SparkTrainer.CHECKPOINT)));
        }
    }

    @Test
    void aWorkerFailingMidEpochIsRetriedFromTheLastCheckpoint(@TempDir Path dir) {
        // Spark retries the barrier stage as a whole, from the same broadcast state.
        try (JavaSparkContext sc = context("local[2]")) {
            double diff = trainAndCompare(sc, 2, 3, dir, new Fault(1, 1, 5, Fault.Kind.THROW));
            assertTrue(diff < 1e-4, "the retried epoch lands where an undisturbed run does: " + diff);
        }
    }

    @Test
    void aSecondRunResumesAfterTheLastCompletedEpoch(@TempDir Path dir) {
        try (JavaSparkContext sc = context("local[2]")) {
            JavaRDD<Sample> rdd = SparkData.parallelize(sc, dataset(128), 2, SEED);
            Module first = mlp(5);
            try (Optimizer opt = new Adam(first.parameters(), 1e-2f)) {
                trainer(first, opt, 2, 2, dir, null, SparkTrainerTest::mlp).fit(sc, rdd, SHAPE, null);
            }
            Module resumed = mlp(99);   // other initial weights: the checkpoint must replace them
            Module reference = mlp(5);
            try (Optimizer opt = new Adam(resumed.parameters(), 1e-2f);
                 Optimizer refOpt = new Adam(reference.parameters(), 1e-2f)) {
                History h = trainer(resumed, opt, 2, 3, dir, null, SparkTrainerTest::mlp).fit(sc, rdd, SHAPE, null);
                assertEquals(3, h.size(), "two epochs from the checkpoint's history, one new");
                ReferenceTraining.train(reference, refOpt, new CrossEntropyLoss(), shards(rdd),
                        new ReplicaSettings(GLOBAL_BATCH, SEED, 0, 0, 0, 0), 0, 3);
                double[] worst = new double[1];
                String where = ReferenceTraining.maxDifference(resumed, reference, worst);
                assertTrue(worst[0] < 1e-4, worst[0] + " at " + where);
            }
        }
    }

    @Test
    void aFailureOnEveryAttemptEndsWithTheEpochAndTheCheckpoint(@TempDir Path dir) {
        try (JavaSparkContext sc = context("local[2]")) {
            JavaRDD<Sample> rdd = SparkData.parallelize(sc, dataset(64), 2, SEED);
            Module model = mlp(5);
            try (Optimizer opt = new Adam(model.parameters(), 1e-2f)) {
                // Factories that pass the driver's check but build a different model on the executors.
                ModelFactory onExecutors = seed -> org.apache.spark.TaskContext.get() == null ? mlp(seed)
                        : new Sequential(new Linear(12, 17, true, new Rng(seed), Backends.get("cpu")), new ReLU(),
                        new Linear(17, CLASSES, true, new Rng(seed), Backends.get("cpu")));
                SparkTrainingException e = assertThrows(SparkTrainingException.class,
                        () -> trainer(model, opt, 2, 1, dir, null, onExecutors).fit(sc, rdd, SHAPE, null));
                assertTrue(e.getMessage().startsWith("epoch 1 failed after Spark's retries"), e.getMessage());
                assertTrue(e.getMessage().contains("'0.weight' expects shape [17, 12], got [16, 12]"), e.getMessage());
                assertTrue(e.getMessage().contains("No epoch had finished"), e.getMessage());
            }
        }
    }

    @Test
    void workersBuildingAnotherModelFailWithBothShapes(@TempDir Path dir) {
        try (JavaSparkContext sc = context("local[2]")) {
            JavaRDD<Sample> rdd = SparkData.parallelize(sc, dataset(64), 2, SEED);
            Module model = mlp(5);
            try (Optimizer opt = new Adam(model.parameters(), 1e-2f)) {
                ModelFactory wider = seed -> new Sequential(new Linear(12, 17, true, new Rng(seed), Backends.get("cpu")),
                        new ReLU(), new Linear(17, CLASSES, true, new Rng(seed), Backends.get("cpu")));
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> trainer(model, opt, 2, 1, dir, null, wider).fit(sc, rdd, SHAPE, null));
                assertEquals("SparkTrainer: the model factory builds another model than the driver's: driver has "
                        + "'0.weight [16, 12], 0.bias [16], 2.weight [3, 16], 2.bias [3], 259 floats' where factory has "
                        + "'0.weight [17, 12], 0.bias [17], 2.weight [3, 17], 2.bias [3], 275 floats'", e.getMessage());
                assertTrue(Files.notExists(dir.resolve(SparkTrainer.CHECKPOINT)), "nothing written");
            }
        }
    }

    @Test
    void partitionsMustMatchTheWorkersAndSlotsMustExist(@TempDir Path dir) {
        try (JavaSparkContext sc = context("local[2]")) {
            Module model = mlp(5);
            try (Optimizer opt = new Adam(model.parameters(), 1e-2f)) {
                JavaRDD<Sample> three = SparkData.parallelize(sc, dataset(64), 3, SEED);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> trainer(model, opt, 2, 1, dir, null, SparkTrainerTest::mlp).fit(sc, three, SHAPE, null));
                assertTrue(e.getMessage().startsWith("SparkTrainer: the data has 3 partitions but 2 workers"), e.getMessage());
                JavaRDD<Sample> four = SparkData.parallelize(sc, dataset(64), 4, SEED);
                IllegalStateException s = assertThrows(IllegalStateException.class,
                        () -> trainer(model, opt, 4, 1, dir, null, SparkTrainerTest::mlp).fit(sc, four, SHAPE, null));
                assertTrue(s.getMessage().contains("offers 2 task slots after 3 s, fewer than the 4 workers"),
                        s.getMessage());
            }
        }
    }
}
