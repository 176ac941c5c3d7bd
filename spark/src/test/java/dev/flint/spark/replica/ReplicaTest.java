package dev.flint.spark.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flint.backend.Backend;
import dev.flint.backend.Backends;
import dev.flint.loss.CrossEntropyLoss;
import dev.flint.nn.Linear;
import dev.flint.nn.Module;
import dev.flint.nn.ReLU;
import dev.flint.nn.Sequential;
import dev.flint.optim.Adam;
import dev.flint.optim.Optimizer;
import dev.flint.optim.SGD;
import dev.flint.spark.ring.Ring;
import dev.flint.spark.ring.RingException;
import dev.flint.spark.ring.RingTest;
import dev.flint.tensor.Rng;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Replicas as threads over a loopback ring, against one model trained on the whole global batch. */
@Timeout(120)
class ReplicaTest {
    static final Backend CPU = Backends.get("cpu");
    static final int[] SHAPE = {12};
    static final int CLASSES = 3;

    static Module mlp(long seed) {
        Rng rng = new Rng(seed);
        return new Sequential(new Linear(12, 16, true, rng, CPU), new ReLU(), new Linear(16, CLASSES, true, rng, CPU));
    }

    static List<Shard> shards(int world, int perShard) {
        List<Shard> out = new ArrayList<>();
        for (int r = 0; r < world; r++) {
            out.add(ReferenceTraining.randomShard(perShard, SHAPE, CLASSES, 77 + r));
        }
        return out;
    }

    /** Trains {@code world} replicas for {@code epochs} epochs; returns rank 0's model (the others agree). */
    static List<Object> trainReplicas(List<Shard> shards, ReplicaSettings settings, int epochs,
                                      java.util.function.Function<Module, Optimizer> optimizer) throws Exception {
        return RingTest.runRing(shards.size(), r -> RingTest.FAST, ring -> {
            Module model = mlp(5);
            try (Optimizer opt = optimizer.apply(model)) {
                Replica replica = new Replica(model, opt, new CrossEntropyLoss(), ring, settings);
                List<EpochStats> stats = new ArrayList<>();
                for (int e = 0; e < epochs; e++) {
                    stats.add(replica.trainEpoch(shards.get(ring.rank()), e, Replica.StepHook.NONE));
                }
                return List.of(model, stats);
            }
        });
    }

    void assertEquivalent(int world, java.util.function.Function<Module, Optimizer> optimizer, double tolerance)
            throws Exception {
        ReplicaSettings settings = new ReplicaSettings(16, 42, 0f, 0f, 0f, 5);
        int epochs = 4;
        List<Shard> shards = shards(world, 64);
        List<Object> results = trainReplicas(shards, settings, epochs, optimizer);
        Module reference = mlp(5);
        try (Optimizer opt = optimizer.apply(reference)) {
            ReferenceTraining.train(reference, opt, new CrossEntropyLoss(), shards, settings, 0, epochs);
        }
        long checksum = 0;
        for (Object o : results) {
            assertTrue(o instanceof List, String.valueOf(o));
            @SuppressWarnings("unchecked")
            List<EpochStats> stats = (List<EpochStats>) ((List<Object>) o).get(1);
            EpochStats last = stats.get(stats.size() - 1);
            assertEquals(64 / (16 / world), last.steps());
            checksum = checksum == 0 ? last.checksum() : checksum;
            assertEquals(checksum, last.checksum(), "every replica ends with the same weights");
        }
        Module replica0 = (Module) ((List<?>) results.get(0)).get(0);
        double[] worst = new double[1];
        String where = ReferenceTraining.maxDifference(replica0, reference, worst);
        int steps = epochs * 64 / (16 / world);
        System.out.printf("equivalence, %d workers x %d samples vs 1 x 16, %d steps, %s: max |w - w_ref| = %.3g (%s)%n",
                world, 16 / world, steps, optimizer.apply(mlp(1)), worst[0], where);
        assertTrue(worst[0] <= tolerance, "max difference " + worst[0] + " at " + where);
    }

    @Test
    void twoWorkersOnHalfBatchesMatchOneWorkerOnTheWholeBatch() throws Exception {
        assertEquivalent(2, m -> new SGD(m.parameters(), 0.1f, 0.9f, 0f, 0f, false), 1e-5);
    }

    @Test
    void fourWorkersWithAdamMatchOneWorker() throws Exception {
        assertEquivalent(4, m -> new Adam(m.parameters(), 1e-2f), 1e-4);
    }

    @Test
    void divergedReplicasAreCaughtByTheChecksum() throws Exception {
        ReplicaSettings settings = new ReplicaSettings(8, 1, 0f, 0f, 0f, 2);
        List<Shard> shards = shards(2, 32);
        List<Object> results = RingTest.runRing(2, r -> RingTest.FAST, ring -> {
            Module model = mlp(5);
            // Rank 1 steps with another learning rate: its weights drift from rank 0's.
            try (Optimizer opt = new SGD(model.parameters(), ring.rank() == 0 ? 0.1f : 0.2f)) {
                new Replica(model, opt, new CrossEntropyLoss(), ring, settings).trainEpoch(shards.get(ring.rank()), 0,
                        Replica.StepHook.NONE);
                return "trained";
            }
        });
        for (Object o : results) {
            ReplicasDivergedException e = assertInstanceOf(ReplicasDivergedException.class, o);
            assertTrue(e.getMessage().startsWith("after step 2 of epoch 1 the replicas' weights differ"), e.getMessage());
        }
    }

    @Test
    void differentModelsCannotFormARing() throws Exception {
        List<Object> results = RingTest.runRing(2, r -> RingTest.FAST.withLayout(Replica.layout(
                r == 0 ? mlp(1) : new Sequential(new Linear(12, 8, true, new Rng(1), CPU)))), ring -> "joined");
        RingException e = assertInstanceOf(RingException.class, results.get(0));
        assertTrue(e.getMessage().contains("train different models: rank 0 has '0.weight [16, 12], 0.bias [16], 2.weight [3, 16], 2.bias [3], 259 floats' "
                + "where rank 1 has '0.weight [8, 12], 0.bias [8], 104 floats'"), e.getMessage());
    }

    @Test
    void aShardSmallerThanOneLocalBatchIsAnErrorOnEveryWorker() throws Exception {
        ReplicaSettings settings = new ReplicaSettings(16, 1, 0f, 0f, 0f, 0);
        List<Shard> shards = List.of(ReferenceTraining.randomShard(32, SHAPE, CLASSES, 1),
                ReferenceTraining.randomShard(5, SHAPE, CLASSES, 2));
        List<Object> results = RingTest.runRing(2, r -> RingTest.FAST, ring -> {
            Module model = mlp(5);
            try (Optimizer opt = new SGD(model.parameters(), 0.1f)) {
                return new Replica(model, opt, new CrossEntropyLoss(), ring, settings).trainEpoch(shards.get(ring.rank()),
                        0, Replica.StepHook.NONE);
            }
        });
        for (Object o : results) {
            IllegalArgumentException e = assertInstanceOf(IllegalArgumentException.class, o);
            assertEquals("Replica: the shard of rank 1 holds 5 samples, fewer than one local batch of 8 (global batch 16 "
                    + "over 2 workers); shard sizes by rank: [32, 5]", e.getMessage());
        }
    }

    @Test
    void unevenGlobalBatchesAndForeignOptimizersAreRejected() {
        Module model = mlp(1);
        Module other = mlp(2);
        try (Ring ring = Ring.single(RingTest.FAST); Optimizer opt = new SGD(other.parameters(), 0.1f);
             Optimizer own = new SGD(model.parameters(), 0.1f)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Replica(model, opt, new CrossEntropyLoss(), ring, new ReplicaSettings(4, 1, 0, 0, 0, 0)));
            assertTrue(e.getMessage().startsWith("Replica: the optimizer must update the model's 4 parameters"),
                    e.getMessage());
            Replica single = new Replica(model, own, new CrossEntropyLoss(), ring, new ReplicaSettings(3, 1, 0, 0, 0, 0));
            assertEquals(3, single.localBatch());
        }
    }

    @Test
    void layoutNamesEveryParameterAndItsShape() {
        assertEquals("0.weight [16, 12], 0.bias [16], 2.weight [3, 16], 2.bias [3], 259 floats", Replica.layout(mlp(1)));
    }
}
