package io.streamtrain.job;

import io.streamtrain.compute.ComputeBackend;
import io.streamtrain.compute.ComputeBackendException;
import io.streamtrain.connectors.record.ModelVersion;
import io.streamtrain.nn.Architecture;
import io.streamtrain.nn.BatchStats;
import io.streamtrain.nn.DenseNetwork;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gradient worker: for each block of rows, scores the rows with the newest parameters it
 * has (prequential: test, then train) and emits the block's summed gradient.
 *
 * <p>Parameters arrive as a broadcast stream of {@link ModelVersion}s; broadcast state keeps,
 * per model, the newest by {@code (generation, version)}, so duplicates and replays from the
 * parameters topic change nothing. Until the first version arrives a worker computes on
 * version 0, the seeded initial parameters, which every worker and the updater derive alike.
 *
 * <p>Flow control bounds staleness: a shard has at most {@code maxInFlight} blocks that the
 * newest version it knows has not yet consumed; further blocks wait (in operator state) until a
 * version consumes some. With one block in flight per shard and a window of one block from
 * every shard, training is synchronous mini-batch gradient descent. A shard's input has ended
 * when every parser has sent it an end marker; once its waiting blocks are out it sends the
 * updater its own end marker.
 */
public final class ComputeGradients extends KeyedBroadcastProcessFunction<Integer, RowBlock, ModelVersion, GradientBlock>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ComputeGradients.class);

    public static final MapStateDescriptor<String, ModelVersion> PARAMETERS = new MapStateDescriptor<>(
            "parameters", BasicTypeInfo.STRING_TYPE_INFO, TypeInformation.of(ModelVersion.class));

    private final String model;
    private final Architecture architecture;
    private final double[] initialParameters;
    private final boolean float64;
    private final int batchSize;
    private final int maxInFlight;
    private final int parsers;
    private final ComputeBackend.Choice backend;

    private transient DenseNetwork network;
    private transient double[] gradient;
    private transient long loadedGeneration;
    private transient long loadedVersion;
    private transient ModelVersion newest;
    /** Per shard key: blocks sent, end markers received, and blocks waiting to be computed. */
    private transient Map<Integer, Shard> shards;
    private transient ListState<RowBlock> waitingState;
    private transient ListState<ShardCounters> countersState;
    private transient GradientWorkerMetrics metrics;

    /** Per-shard counters kept in operator state. */
    public record ShardCounters(int shardKey, long sent, int ends, boolean endSent) {}

    private static final class Shard {
        long sent;
        int ends;
        boolean endSent;
        final ArrayDeque<RowBlock> waiting = new ArrayDeque<>();
    }

    /**
     * @param maxInFlight blocks a shard may have sent that no known version has consumed yet
     * @param parsers parallelism of the parsers: each sends every shard one end marker
     * @param backend the ND4J backend this worker must run on (checked in {@link #open})
     */
    public ComputeGradients(String model, Architecture architecture, double[] initialParameters, boolean float64,
            int batchSize, int maxInFlight, int parsers, ComputeBackend.Choice backend) {
        this.model = model;
        this.architecture = architecture;
        this.initialParameters = initialParameters.clone();
        this.float64 = float64;
        this.batchSize = batchSize;
        this.maxInFlight = maxInFlight;
        this.parsers = parsers;
        this.backend = backend;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        waitingState = context.getOperatorStateStore()
                .getListState(new ListStateDescriptor<>("waiting-blocks", TypeInformation.of(RowBlock.class)));
        countersState = context.getOperatorStateStore()
                .getUnionListState(new ListStateDescriptor<>("shard-counters", TypeInformation.of(ShardCounters.class)));
        shards = new TreeMap<>();
        if (context.isRestored()) {
            // union state: every subtask sees all counters; it keeps those of shards it is sent
            // (shards are created lazily below, so unknown ones simply stay unused)
            for (ShardCounters c : countersState.get()) {
                Shard s = shard(c.shardKey());
                s.sent = c.sent();
                s.ends = c.ends();
                s.endSent = c.endSent();
            }
            for (RowBlock b : waitingState.get()) {
                shard(b.shardKey()).waiting.add(b);
            }
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        List<RowBlock> waiting = new ArrayList<>();
        List<ShardCounters> counters = new ArrayList<>();
        for (Map.Entry<Integer, Shard> e : shards.entrySet()) {
            waiting.addAll(e.getValue().waiting);
            counters.add(new ShardCounters(e.getKey(), e.getValue().sent, e.getValue().ends, e.getValue().endSent));
        }
        waitingState.update(waiting);
        countersState.update(counters);
    }

    @Override
    public void open(OpenContext openContext) {
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        try {
            ComputeBackend.require(backend, "gradient worker " + subtask);
        } catch (ComputeBackendException e) {
            // this task manager lacks what the configuration asks for: restarting here cannot help
            throw new SuppressRestartsException(e);
        }
        // one ND4J thread per operator: parallelism gives the cores
        Nd4j.getEnvironment().setMaxThreads(1);
        network = new DenseNetwork(architecture, float64 ? DataType.DOUBLE : DataType.FLOAT, batchSize);
        network.setParameters(initialParameters);
        gradient = new double[architecture.parameterCount()];
        loadedGeneration = 0;
        loadedVersion = 0;
        metrics = new GradientWorkerMetrics(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void processElement(RowBlock block, ReadOnlyContext ctx, Collector<GradientBlock> out) throws Exception {
        if (newest == null) {
            newest = ctx.getBroadcastState(PARAMETERS).get(model);
        }
        Shard shard = shard(block.shardKey());
        if (block.endOfInput()) {
            shard.ends++;
        } else {
            shard.waiting.add(block);
        }
        drain(block.shardKey(), shard, out);
    }

    @Override
    public void processBroadcastElement(ModelVersion version, Context ctx, Collector<GradientBlock> out) throws Exception {
        if (!version.model().equals(model)) {
            return;
        }
        if (version.parameters().length != architecture.parameterCount()) {
            throw new IllegalStateException("model '" + model + "' version " + version.version() + " has "
                    + version.parameters().length + " parameters, the configured architecture "
                    + architecture + " has " + architecture.parameterCount()
                    + " (is an old run's parameters topic being reused with another model.layers?)");
        }
        BroadcastState<String, ModelVersion> state = ctx.getBroadcastState(PARAMETERS);
        if (version.isNewerThan(state.get(model))) {
            state.put(model, version);
            newest = version;
            metrics.versionReceived(version);
            for (Map.Entry<Integer, Shard> e : shards.entrySet()) {
                drain(e.getKey(), e.getValue(), out);
            }
        }
    }

    /** Computes waiting blocks while the shard has room in flight; sends its end marker when due. */
    private void drain(int shardKey, Shard shard, Collector<GradientBlock> out) {
        long consumed = newest == null ? 0 : newest.blocksConsumed(shardKey);
        boolean inputOver = shard.ends >= parsers;
        while (!shard.waiting.isEmpty()) {
            RowBlock block = shard.waiting.peek();
            if (block.rows() > 0 && shard.sent - consumed >= maxInFlight) {
                return;
            }
            shard.waiting.poll();
            compute(block, out);
            if (block.rows() > 0) {
                shard.sent++;
            }
        }
        if (inputOver && !shard.endSent) {
            shard.endSent = true;
            out.collect(new GradientBlock(model, shardKey, loadedGeneration, loadedVersion, new double[0], 0, 0, 0, 0,
                    true, new int[0], new long[0]));
        }
    }

    private void compute(RowBlock block, Collector<GradientBlock> out) {
        if (newest != null && (newest.generation() != loadedGeneration || newest.version() != loadedVersion)) {
            network.setParameters(newest.parameters());
            loadedGeneration = newest.generation();
            loadedVersion = newest.version();
        }
        double lossSum = 0;
        long correct = 0;
        double[] g;
        if (block.rows() > 0) {
            BatchStats stats = network.gradient(block.features(), block.labels(), block.rows(), gradient);
            lossSum = stats.lossSum();
            correct = stats.correct();
            g = gradient.clone();
        } else {
            g = new double[0];
        }
        out.collect(new GradientBlock(model, block.shardKey(), loadedGeneration, loadedVersion, g, block.rows(),
                lossSum, correct, block.rejected(), false, block.partitions(), block.nextOffsets()));
    }

    private Shard shard(int key) {
        return shards.computeIfAbsent(key, k -> new Shard());
    }
}
