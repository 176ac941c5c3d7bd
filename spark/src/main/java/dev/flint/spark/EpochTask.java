package dev.flint.spark;

import dev.flint.nn.Module;
import dev.flint.optim.Optimizer;
import dev.flint.spark.replica.EpochStats;
import dev.flint.spark.replica.Replica;
import dev.flint.spark.replica.ReplicaSettings;
import dev.flint.spark.replica.Shard;
import dev.flint.spark.ring.PeerAddress;
import dev.flint.spark.ring.Ring;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.RDD;
import org.apache.spark.api.java.JavaRDD;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.runtime.AbstractFunction1;

/**
 * One epoch on one worker, run as a barrier task: rank = partition id; the shard is the partition; the
 * workers publish their ring addresses with {@link BarrierTaskContext#allGather}; every worker builds the
 * model and optimizer from the factories and loads the driver's state (the last checkpoint), so all
 * replicas start identical; then {@link Replica#trainEpoch}. Rank 0 sends the trained state back.
 *
 * <pre>{@code
 * List<EpochResult> results = EpochTask.run(data, task);   // data: one partition per worker
 * }</pre>
 *
 * <p>A failure of any worker fails the barrier stage; Spark kills the other tasks (their ring waits
 * notice within 100 ms, or when the dead peer's connection drops) and retries the whole stage, which
 * starts again from the same broadcast state: the epoch is redone from the last checkpoint.
 */
final class EpochTask extends AbstractFunction1<scala.collection.Iterator<Sample>, scala.collection.Iterator<EpochResult>>
        implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Broadcast<byte[]> state;
    private final ModelFactory modelFactory;
    private final OptimizerFactory optimizerFactory;
    private final LossFactory lossFactory;
    private final ReplicaSettings settings;
    private final int[] sampleShape;
    private final int epoch;
    private final float lr;
    private final Duration connectTimeout;
    private final Duration operationTimeout;
    private final Fault fault;

    EpochTask(Broadcast<byte[]> state, ModelFactory modelFactory, OptimizerFactory optimizerFactory,
              LossFactory lossFactory, ReplicaSettings settings, int[] sampleShape, int epoch, float lr,
              SparkTrainerOptions options) {
        this.state = state;
        this.modelFactory = modelFactory;
        this.optimizerFactory = optimizerFactory;
        this.lossFactory = lossFactory;
        this.settings = settings;
        this.sampleShape = sampleShape.clone();
        this.epoch = epoch;
        this.lr = lr;
        this.connectTimeout = options.connectTimeout();
        this.operationTimeout = options.operationTimeout();
        this.fault = options.fault();
    }

    /**
     * Runs {@code task} on every partition of {@code data} as one barrier stage and collects the results.
     * The results pass through a shuffle into one partition: Spark retries a failed barrier stage only when
     * it is a shuffle-map stage (a result stage's partial output may have been consumed already), and the
     * retry is what restarts the epoch after a worker dies.
     */
    static List<EpochResult> run(JavaRDD<Sample> data, EpochTask task) {
        ClassTag<EpochResult> tag = scala.reflect.ClassTag$.MODULE$.apply(EpochResult.class);
        RDD<EpochResult> out = data.rdd().barrier().mapPartitions(task, false, tag);
        return JavaRDD.fromRDD(out, tag).repartition(1).collect();
    }

    @Override
    public scala.collection.Iterator<EpochResult> apply(scala.collection.Iterator<Sample> partition) {
        BarrierTaskContext ctx = BarrierTaskContext.get();
        int rank = ctx.partitionId();
        String host = hostOf(ctx.getTaskInfos()[rank].address());
        Shard shard = shard(CollectionConverters.asJava(partition));
        try (Ring.Listener listener = Ring.Listener.open(host)) {
            String[] published = ctx.allGather(listener.address().toString());
            List<PeerAddress> peers = new ArrayList<>();
            for (String p : published) {
                peers.add(PeerAddress.parse(p));
            }
            long token = ((long) ctx.stageId() << 32) | ctx.stageAttemptNumber();
            try (Module model = modelFactory.create(seed(rank));
                 Optimizer optimizer = optimizerFactory.create(model.parameters())) {
                StateCodec.decode(state.value(), model, optimizer);
                optimizer.setLr(lr);
                Ring.Options options = Ring.Options.defaults().withTimeouts(connectTimeout, operationTimeout)
                        .withJobToken(token).withLayout(Replica.layout(model)).withAborted(ctx::isInterrupted);
                try (Ring ring = listener.join(rank, peers, options)) {
                    Replica replica = new Replica(model, optimizer, lossFactory.create(), ring, settings);
                    int attempt = ctx.stageAttemptNumber();
                    EpochStats stats = replica.trainEpoch(shard, epoch, (e, step) -> {
                        if (ctx.isInterrupted()) {
                            throw new IllegalStateException("rank " + rank + ": task killed by Spark at step " + step);
                        }
                        injectFault(rank, attempt, e, step);
                    });
                    byte[] trained = rank == 0 ? StateCodec.encode(model, optimizer, Map.of()) : null;
                    return CollectionConverters.asScala(List.of(new EpochResult(rank, stats, trained, host)).iterator());
                }
            }
        }
    }

    /** The host of a barrier task's address, which Spark gives as {@code host:port} of the executor. */
    static String hostOf(String address) {
        if (address.startsWith("[")) {
            return address.substring(1, address.indexOf(']'));
        }
        int colon = address.indexOf(':');
        return colon >= 0 && colon == address.lastIndexOf(':') ? address.substring(0, colon) : address;
    }

    private long seed(int rank) {
        // Dropout masks differ per worker and epoch; the weights come from the broadcast state anyway.
        return settings.seed() * 1_000_003L + (long) epoch * 1_009L + rank;
    }

    private void injectFault(int rank, int attempt, int e, int step) {
        if (fault == null || attempt != 0 || fault.epoch() != e || fault.rank() != rank || fault.step() != step) {
            return;
        }
        if (fault.kind() == Fault.Kind.HALT_EXECUTOR) {
            System.err.println("flint: injected fault: halting the executor of rank " + rank + " at step " + step
                    + " of epoch " + (e + 1));
            System.err.flush();
            Runtime.getRuntime().halt(137);
        }
        throw new IllegalStateException("injected fault: rank " + rank + " fails at step " + step + " of epoch "
                + (e + 1));
    }

    private Shard shard(java.util.Iterator<Sample> samples) {
        int size = Arrays.stream(sampleShape).reduce(1, (a, b) -> a * b);
        List<Sample> all = new ArrayList<>();
        samples.forEachRemaining(all::add);
        float[] x = new float[all.size() * size];
        int[] y = new int[all.size()];
        for (int i = 0; i < all.size(); i++) {
            Sample s = all.get(i);
            if (s.features().length != size) {
                throw new IllegalArgumentException("EpochTask: sample " + i + " of this shard has " + s.features().length
                        + " features, the sample shape " + Arrays.toString(sampleShape) + " needs " + size);
            }
            System.arraycopy(s.features(), 0, x, i * size, size);
            y[i] = s.label();
        }
        return new Shard(x, y, sampleShape);
    }
}
