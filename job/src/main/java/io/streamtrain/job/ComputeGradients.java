package io.streamtrain.job;

import io.streamtrain.compute.ComputeBackend;
import io.streamtrain.compute.ComputeBackendException;
import io.streamtrain.compute.OneThread;
import io.streamtrain.config.ModelSpec;
import io.streamtrain.config.StartPoint;
import io.streamtrain.connectors.record.ModelVersion;
import io.streamtrain.nn.Architecture;
import io.streamtrain.nn.BatchStats;
import io.streamtrain.nn.Kernel;
import io.streamtrain.nn.Network;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gradient worker: for each block of rows, scores the rows with the newest parameters it has
 * of every model (prequential: test, then train) and emits one summed gradient per model. Rows
 * are parsed once and every model learns from the same mini-batches.
 *
 * <p>Parameters arrive as a broadcast stream of {@link ModelVersion}s; broadcast state keeps,
 * per model id, the newest by {@code (generation, version)}, so duplicates and replays from the
 * parameters topic change nothing. Until a model's first version arrives a worker computes on its
 * {@link StartPoint}'s parameters (version 0, the seeded initial parameters,
 * on a cold start; a stored version on a warm start), which every worker and the updater are
 * handed alike.
 *
 * <p>Flow control bounds staleness: a shard has at most {@code maxInFlight} blocks that the
 * newest known version of some model has not yet consumed (the minimum over models decides, so
 * the slowest model paces the shard); further blocks wait (in operator state) until versions
 * consume some. With one block in flight per shard and a window of one block from every shard,
 * training is synchronous mini-batch gradient descent for every model. A shard's input has ended
 * when every parser has sent it an end marker; once its waiting blocks are out it sends the
 * updater its own end marker, one per model.
 *
 * <p>With {@code localSteps} above 0 (the {@code local} consistency mode) a worker trains instead of
 * only computing gradients: each shard keeps a replica of every model with its own optimizer
 * state, applies the model's update rule to it after every block, and every {@code localSteps}
 * blocks sends the updater the replica's progress since it was last merged, as a
 * {@link GradientBlock} whose {@code gradient} is that parameter change times the rows behind it;
 * the updater averages the changes of a window, weighted by rows (federated averaging: each shard
 * a segment that trains on its own rows, merged). Flow control then counts these merges. Without
 * {@code localOverlap} a shard that has sent a change trains no further block until a version has
 * consumed it, so every round of a replica starts from the merged parameters. With it a shard
 * trains on while {@code maxInFlight} merges are unconsumed, and waits only when the next one is
 * due too; when a new version arrives the replica moves onto it and keeps the progress it has not
 * sent yet: {@code theta <- theta_new + (theta - anchor)}, {@code anchor <- theta_new} (without
 * overlap that progress is nothing and the replica becomes the version). Replicas, with their
 * optimizer state and what they have not sent, live in operator state.
 *
 * <p>A stop with a drained savepoint ({@code flink stop --drain}) ends both inputs at once: the
 * parameters source stops too, so no version would ever release the blocks that flow control
 * holds back. The watermark tells: it reaches its maximum on both inputs only then (and after the
 * final version of a bounded run), and an event-time timer at that maximum computes every waiting
 * block at once and sends the end markers, so that the drained savepoint's final version has
 * trained every row read. The end of input belongs to one run: a job resumed from that savepoint
 * (a new run, see {@code runId}) starts with no shard ended.
 */
public final class ComputeGradients extends KeyedBroadcastProcessFunction<Integer, RowBlock, ModelVersion, GradientBlock>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ComputeGradients.class);

    public static final MapStateDescriptor<String, ModelVersion> PARAMETERS = new MapStateDescriptor<>(
            "parameters", BasicTypeInfo.STRING_TYPE_INFO, TypeInformation.of(ModelVersion.class));

    private final List<ModelSpec> models;
    private final boolean float64;
    private final int batchSize;
    private final int maxInFlight;
    private final int parsers;
    private final ComputeBackend.Choice backend;
    private final long runId;
    private final int localSteps;
    private final boolean localOverlap;

    /** Per model id, in the order of {@link #models}. */
    private transient Map<String, Learner> learners;
    /** Whether {@link Learner#newest} has been read from broadcast state (after a restore). */
    private transient boolean newestLoaded;
    /** Per shard key: blocks sent, end markers received, and blocks waiting to be computed. */
    private transient Map<Integer, Shard> shards;
    private transient ListState<RowBlock> waitingState;
    private transient ListState<ShardCounters> countersState;
    private transient ListState<ReplicaState> replicasState;
    /** Local mode: replicas restored from a checkpoint, handed to the learners in {@link #open}. */
    private transient List<ReplicaState> restoredReplicas;
    private transient GradientWorkerMetrics metrics;

    /**
     * Per-shard counters kept in operator state.
     *
     * @param run the run whose end markers {@code ends} and {@code endSent} count
     */
    public record ShardCounters(int shardKey, long sent, int ends, boolean endSent, long run) {}

    /**
     * A shard's replica of a model in the local mode, kept in operator state.
     *
     * @param blocks blocks trained since the replica's last merge was sent (the same for every model of the shard)
     * @param anchor the parameters the unsent progress started from: {@code theta - anchor} is that progress
     */
    public record ReplicaState(String model, int shardKey, double[] theta, double[] anchor, double[] optimizerState,
            long step, long baseGeneration, long baseVersion, int blocks, int rows, double lossSum, long correct,
            int rejected, int[] partitions, long[] nextOffsets) {}

    private static final class Shard {
        long sent;
        int ends;
        boolean endSent;
        /** Local mode: blocks trained since the last merge was sent. */
        int localBlocks;
        final ArrayDeque<RowBlock> waiting = new ArrayDeque<>();
    }

    /** One model on this worker: its network with the parameters last loaded, and the newest version known. */
    private static final class Learner {
        final ModelSpec spec;
        final Network network;
        final double[] gradient;
        long loadedGeneration;
        long loadedVersion;
        ModelVersion newest;
        /** Local mode: the replica of each shard of this worker. */
        final Map<Integer, Replica> replicas = new TreeMap<>();
        /** Where a block's 8-bit features are turned into floats. */
        final RowBlock.FloatFeatures features = new RowBlock.FloatFeatures();

        Learner(ModelSpec spec, DataType dtype, int batchSize) {
            this.spec = spec;
            this.network = Kernel.AUTO.create(spec.architecture(), dtype, batchSize);
            this.network.setParameters(spec.start().parameters());
            this.gradient = new double[spec.architecture().parameterCount()];
            this.loadedGeneration = spec.start().generation();
            this.loadedVersion = spec.start().version();
        }

        /**
         * Whether {@code version} is past the start point: a warm start's timeline is not replaced by
         * versions of an older timeline that might still be on the parameters topic. Once a version
         * is known (received, or restored from a checkpoint or savepoint) newer ones follow it: a
         * job resumed from a savepoint was built with a start point after the versions its own
         * earlier run published, yet those are its timeline.
         */
        boolean isAfterStart(ModelVersion version) {
            if (newest != null) {
                return true;
            }
            StartPoint start = spec.start();
            return version.generation() != start.generation() ? version.generation() > start.generation()
                    : version.version() > start.version();
        }
    }

    /** A shard's replica of a model in the local mode; see {@link ReplicaState}. */
    private static final class Replica {
        double[] theta;
        double[] anchor;
        double[] optimizerState;
        long step;
        long baseGeneration;
        long baseVersion;
        int rows;
        double lossSum;
        long correct;
        int rejected;
        final Map<Integer, Long> nextOffsets = new TreeMap<>();

        Replica(ModelSpec spec) {
            StartPoint start = spec.start();
            theta = start.parameters().clone();
            anchor = start.parameters().clone();
            optimizerState = start.optimizerState().length == spec.updateRule().stateSize()
                    ? start.optimizerState().clone() : new double[spec.updateRule().stateSize()];
            step = start.step();
            baseGeneration = start.generation();
            baseVersion = start.version();
        }

        void addOffsets(int[] partitions, long[] next) {
            for (int i = 0; i < partitions.length; i++) {
                nextOffsets.merge(partitions[i], next[i], Math::max);
            }
        }

        /** The partitions of {@link #nextOffsets}, ascending, as a block carries them. */
        int[] partitions() {
            return nextOffsets.keySet().stream().mapToInt(Integer::intValue).toArray();
        }

        /** The next offsets, in the order of {@link #partitions()}. */
        long[] offsets() {
            return nextOffsets.values().stream().mapToLong(Long::longValue).toArray();
        }
    }

    /**
     * @param models the models trained on every block, each with where its timeline starts
     * @param maxInFlight blocks a shard may have sent that the newest version of some model has
     *     not consumed yet
     * @param parsers parallelism of the parsers: each sends every shard one end marker
     * @param backend the ND4J backend this worker must run on (checked in {@link #open})
     */
    public ComputeGradients(List<ModelSpec> models, boolean float64, int batchSize, int maxInFlight, int parsers,
            ComputeBackend.Choice backend) {
        this(models, float64, batchSize, maxInFlight, parsers, backend, 0);
    }

    /**
     * @param runId identifies this submission of the job: restored end-of-input counters of another
     *     run (a job resumed from a drained savepoint) are reset, those of this run (a restore after
     *     a failure) are kept
     */
    public ComputeGradients(List<ModelSpec> models, boolean float64, int batchSize, int maxInFlight, int parsers,
            ComputeBackend.Choice backend, long runId) {
        this(models, float64, batchSize, maxInFlight, parsers, backend, runId, 0);
    }

    /**
     * @param localSteps 0: send every block's gradient; above 0 (the local consistency mode): train
     *     a replica per shard and send its progress every this many blocks, {@code maxInFlight}
     *     then counting these merges
     */
    public ComputeGradients(List<ModelSpec> models, boolean float64, int batchSize, int maxInFlight, int parsers,
            ComputeBackend.Choice backend, long runId, int localSteps) {
        this(models, float64, batchSize, maxInFlight, parsers, backend, runId, localSteps, false);
    }

    /**
     * @param localOverlap local mode: whether a replica trains on while its merges are in flight
     *     (up to {@code maxInFlight}) instead of waiting for the version that consumed them
     */
    public ComputeGradients(List<ModelSpec> models, boolean float64, int batchSize, int maxInFlight, int parsers,
            ComputeBackend.Choice backend, long runId, int localSteps, boolean localOverlap) {
        if (localSteps < 0) {
            throw new IllegalArgumentException("localSteps " + localSteps + " < 0");
        }
        this.localSteps = localSteps;
        this.localOverlap = localOverlap;
        this.runId = runId;
        this.models = List.copyOf(models);
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
        replicasState = context.getOperatorStateStore()
                .getUnionListState(new ListStateDescriptor<>("local-replicas", TypeInformation.of(ReplicaState.class)));
        shards = new TreeMap<>();
        restoredReplicas = new ArrayList<>();
        if (context.isRestored()) {
            // union state: every subtask sees all counters; it keeps only those of the shards it is
            // sent. A shard of another subtask must not appear here: drain() runs over every shard
            // this subtask has, and would send that shard's end markers at once (its blocks wait
            // elsewhere), so the updater would count its input as ended and flag a version final
            // while the shard's blocks are still to come
            TaskInfo task = getRuntimeContext().getTaskInfo();
            boolean otherRun = false;
            for (ShardCounters c : countersState.get()) {
                if (KeyGroupRangeAssignment.assignKeyToParallelOperator(c.shardKey(),
                        task.getMaxNumberOfParallelSubtasks(), task.getNumberOfParallelSubtasks())
                        != task.getIndexOfThisSubtask()) {
                    otherRun |= c.run() != runId && c.ends() > 0;
                    continue;
                }
                Shard s = shard(c.shardKey());
                s.sent = c.sent();
                if (c.run() == runId) {
                    s.ends = c.ends();
                    s.endSent = c.endSent();
                } else {
                    otherRun |= c.ends() > 0;
                }
            }
            if (otherRun) {
                LOG.info("gradient worker: restored from another run (a savepoint): its end of input is over, "
                        + "training goes on");
            }
            for (RowBlock b : waitingState.get()) {
                shard(b.shardKey()).waiting.add(b);
            }
            // union state, like the counters: keep the replicas of this subtask's shards
            for (ReplicaState r : replicasState.get()) {
                if (KeyGroupRangeAssignment.assignKeyToParallelOperator(r.shardKey(),
                        task.getMaxNumberOfParallelSubtasks(), task.getNumberOfParallelSubtasks())
                        == task.getIndexOfThisSubtask()) {
                    restoredReplicas.add(r);
                    shard(r.shardKey()).localBlocks = r.blocks();
                }
            }
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        List<RowBlock> waiting = new ArrayList<>();
        List<ShardCounters> counters = new ArrayList<>();
        for (Map.Entry<Integer, Shard> e : shards.entrySet()) {
            waiting.addAll(e.getValue().waiting);
            counters.add(new ShardCounters(e.getKey(), e.getValue().sent, e.getValue().ends, e.getValue().endSent,
                    runId));
        }
        waitingState.update(waiting);
        countersState.update(counters);
        List<ReplicaState> replicas = new ArrayList<>();
        for (Learner learner : learners.values()) {
            for (Map.Entry<Integer, Replica> e : learner.replicas.entrySet()) {
                Replica r = e.getValue();
                replicas.add(new ReplicaState(learner.spec.id(), e.getKey(), r.theta.clone(), r.anchor.clone(),
                        r.optimizerState.clone(), r.step, r.baseGeneration, r.baseVersion,
                        shard(e.getKey()).localBlocks, r.rows, r.lossSum, r.correct, r.rejected, r.partitions(),
                        r.offsets()));
            }
        }
        replicasState.update(replicas);
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
        OneThread.forNd4j();
        learners = new LinkedHashMap<>();
        for (ModelSpec spec : models) {
            learners.put(spec.id(), new Learner(spec, float64 ? DataType.DOUBLE : DataType.FLOAT, batchSize));
        }
        for (ReplicaState r : restoredReplicas == null ? List.<ReplicaState>of() : restoredReplicas) {
            Learner learner = learners.get(r.model());
            if (learner == null) {
                continue;
            }
            Replica replica = new Replica(learner.spec);
            replica.theta = r.theta();
            replica.anchor = r.anchor();
            replica.optimizerState = r.optimizerState();
            replica.step = r.step();
            replica.baseGeneration = r.baseGeneration();
            replica.baseVersion = r.baseVersion();
            replica.rows = r.rows();
            replica.lossSum = r.lossSum();
            replica.correct = r.correct();
            replica.rejected = r.rejected();
            replica.addOffsets(r.partitions(), r.nextOffsets());
            learner.replicas.put(r.shardKey(), replica);
        }
        newestLoaded = false;
        metrics = new GradientWorkerMetrics(getRuntimeContext().getMetricGroup());
        LOG.info("gradient worker {}: models {}", subtask, ModelSpec.ids(models));
    }

    @Override
    public void processElement(RowBlock block, ReadOnlyContext ctx, Collector<GradientBlock> out) throws Exception {
        loadNewest(ctx.getBroadcastState(PARAMETERS));
        Shard shard = shard(block.shardKey());
        if (block.endOfInput()) {
            shard.ends++;
        } else {
            shard.waiting.add(block);
        }
        // fires only when both inputs have ended (a drained stop, or after a bounded run's final version)
        ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
        metrics.waiting(waitingBlocks());
        drain(block.shardKey(), shard, out, false);
        metrics.waiting(waitingBlocks());
    }

    /** Blocks waiting in this subtask, over its shards. */
    private long waitingBlocks() {
        long n = 0;
        for (Shard s : shards.values()) {
            n += s.waiting.size();
        }
        return n;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<GradientBlock> out) throws Exception {
        Shard shard = shards.get(ctx.getCurrentKey());
        if (timestamp == Long.MAX_VALUE && shard != null) {
            loadNewest(ctx.getBroadcastState(PARAMETERS));
            if (!shard.waiting.isEmpty()) {
                LOG.info("gradient worker: inputs ended, computing the {} blocks of shard {} that waited for versions",
                        shard.waiting.size(), ctx.getCurrentKey());
            }
            drain(ctx.getCurrentKey(), shard, out, true);
        }
    }

    @Override
    public void processBroadcastElement(ModelVersion version, Context ctx, Collector<GradientBlock> out) throws Exception {
        Learner learner = learners.get(version.model());
        if (learner == null) {
            return;
        }
        Architecture architecture = learner.spec.architecture();
        if (version.parameters().length != architecture.parameterCount()) {
            throw new IllegalStateException("model '" + version.model() + "' version " + version.version() + " has "
                    + version.parameters().length + " parameters, the configured architecture "
                    + architecture + " has " + architecture.parameterCount()
                    + " (is an old run's parameters topic being reused with another model.layers?)");
        }
        BroadcastState<String, ModelVersion> state = ctx.getBroadcastState(PARAMETERS);
        loadNewest(state);
        if (version.isNewerThan(state.get(version.model())) && learner.isAfterStart(version)) {
            state.put(version.model(), version);
            learner.newest = version;
            metrics.versionReceived(version);
            for (Map.Entry<Integer, Shard> e : shards.entrySet()) {
                drain(e.getKey(), e.getValue(), out, false);
            }
            metrics.waiting(waitingBlocks());
        }
    }

    /** After a restore the newest versions are in broadcast state only; read them once. */
    private void loadNewest(ReadOnlyBroadcastState<String, ModelVersion> state) throws Exception {
        if (!newestLoaded) {
            for (Learner learner : learners.values()) {
                learner.newest = state.get(learner.spec.id());
            }
            newestLoaded = true;
        }
    }

    /**
     * Computes waiting blocks while the shard has room in flight (every waiting block when
     * {@code force}: no version can arrive any more); sends its end markers when due.
     */
    private void drain(int shardKey, Shard shard, Collector<GradientBlock> out, boolean force) {
        if (localSteps > 0) {
            drainLocal(shardKey, shard, out, force);
            return;
        }
        long consumed = Long.MAX_VALUE;
        for (Learner learner : learners.values()) {
            consumed = Math.min(consumed, learner.newest == null ? 0 : learner.newest.blocksConsumed(shardKey));
        }
        boolean inputOver = shard.ends >= parsers;
        while (!shard.waiting.isEmpty()) {
            RowBlock block = shard.waiting.peek();
            if (!force && block.rows() > 0 && shard.sent - consumed >= maxInFlight) {
                return;
            }
            shard.waiting.poll();
            for (Learner learner : learners.values()) {
                long nanos = compute(learner, block, out);
                if (block.rows() > 0) {
                    metrics.gradientComputed(learner.spec.id(), nanos);
                }
            }
            if (block.rows() > 0) {
                shard.sent++;
            }
        }
        if (inputOver && !shard.endSent) {
            shard.endSent = true;
            for (Learner learner : learners.values()) {
                out.collect(new GradientBlock(learner.spec.id(), shardKey, learner.loadedGeneration,
                        learner.loadedVersion, new double[0], 0, 0, 0, 0, true, new int[0], new long[0]));
            }
        }
    }

    /**
     * Local mode: trains the replicas on waiting blocks, sending each replica's progress every
     * {@link #localSteps} blocks (and what is left once the input is over) while the shard has
     * room in flight; blocks wait when a merge is due and there is no room, and, without
     * {@link #localOverlap}, while a merge is unconsumed.
     */
    private void drainLocal(int shardKey, Shard shard, Collector<GradientBlock> out, boolean force) {
        long consumed = Long.MAX_VALUE;
        for (Learner learner : learners.values()) {
            consumed = Math.min(consumed, learner.newest == null ? 0 : learner.newest.blocksConsumed(shardKey));
        }
        boolean inputOver = shard.ends >= parsers;
        while (true) {
            boolean due = shard.localBlocks >= localSteps
                    || (shard.localBlocks > 0 && shard.waiting.isEmpty() && (inputOver || force));
            if (due) {
                if (!force && shard.sent - consumed >= maxInFlight) {
                    return;
                }
                for (Learner learner : learners.values()) {
                    sendProgress(learner, shardKey, out);
                }
                shard.localBlocks = 0;
                shard.sent++;
                continue;
            }
            if (!localOverlap && !force && shard.sent > consumed) {
                // the next round starts from the version that merges this one
                return;
            }
            RowBlock block = shard.waiting.poll();
            if (block == null) {
                break;
            }
            if (block.rows() == 0) {
                // rejected rows only: nothing to train, the count goes on at once
                for (Learner learner : learners.values()) {
                    out.collect(new GradientBlock(learner.spec.id(), shardKey, learner.loadedGeneration,
                            learner.loadedVersion, new double[0], 0, 0, 0, block.rejected(), false, block.partitions(),
                            block.nextOffsets()));
                }
                continue;
            }
            for (Learner learner : learners.values()) {
                long start = System.nanoTime();
                trainLocal(learner, shardKey, block);
                metrics.gradientComputed(learner.spec.id(), System.nanoTime() - start);
            }
            shard.localBlocks++;
        }
        if (inputOver && !shard.endSent && shard.localBlocks == 0) {
            shard.endSent = true;
            for (Learner learner : learners.values()) {
                out.collect(new GradientBlock(learner.spec.id(), shardKey, learner.loadedGeneration,
                        learner.loadedVersion, new double[0], 0, 0, 0, 0, true, new int[0], new long[0]));
            }
        }
    }

    /** The shard's replica of a model, moved onto the newest version known, keeping its unsent progress. */
    private static Replica replica(Learner learner, int shardKey) {
        Replica r = learner.replicas.computeIfAbsent(shardKey, k -> new Replica(learner.spec));
        ModelVersion newest = learner.newest;
        if (newest != null && (newest.generation() != r.baseGeneration || newest.version() != r.baseVersion)) {
            double[] next = newest.parameters();
            for (int i = 0; i < next.length; i++) {
                r.theta[i] = next[i] + (r.theta[i] - r.anchor[i]);
                r.anchor[i] = next[i];
            }
            r.baseGeneration = newest.generation();
            r.baseVersion = newest.version();
        }
        return r;
    }

    /** One local step: scores the block on the replica (prequential), then applies the update rule to it. */
    private static void trainLocal(Learner learner, int shardKey, RowBlock block) {
        Replica r = replica(learner, shardKey);
        learner.network.setParameters(r.theta);
        BatchStats stats = learner.network.gradient(learner.features.of(block), block.labels(), block.rows(), learner.gradient);
        r.lossSum += stats.lossSum();
        r.correct += stats.correct();
        r.rejected += block.rejected();
        r.addOffsets(block.partitions(), block.nextOffsets());
        if (learner.spec.updateRule().apply(r.theta, learner.gradient, block.rows(), r.optimizerState, r.step + 1)) {
            r.step++;
            r.rows += block.rows();
        } else {
            // counted by the updater as a non-finite block: the rows are scored, not trained
            r.lossSum = Double.NaN;
            r.rows += block.rows();
            LOG.warn("model '{}': refused a non-finite local update of {} rows on shard {}; replica unchanged",
                    learner.spec.id(), block.rows(), shardKey);
        }
    }

    /** Sends the replica's progress since its anchor, times its rows, and makes the replica's parameters its anchor. */
    private static void sendProgress(Learner learner, int shardKey, Collector<GradientBlock> out) {
        Replica r = replica(learner, shardKey);
        double[] change = new double[r.theta.length];
        for (int i = 0; i < change.length; i++) {
            change[i] = (r.theta[i] - r.anchor[i]) * r.rows;
            r.anchor[i] = r.theta[i];
        }
        out.collect(new GradientBlock(learner.spec.id(), shardKey, r.baseGeneration, r.baseVersion, change, r.rows,
                r.lossSum, r.correct, r.rejected, false, r.partitions(), r.offsets()));
        r.rows = 0;
        r.lossSum = 0;
        r.correct = 0;
        r.rejected = 0;
        r.nextOffsets.clear();
    }

    /**
     * Computes the block's gradient on the newest parameters and sends it; returns how long that
     * took from loading the parameters to the gradient's copy (0 for a block without rows).
     */
    private static long compute(Learner learner, RowBlock block, Collector<GradientBlock> out) {
        long start = System.nanoTime();
        long nanos = 0;
        ModelVersion newest = learner.newest;
        if (newest != null && (newest.generation() != learner.loadedGeneration
                || newest.version() != learner.loadedVersion)) {
            learner.network.setParameters(newest.parameters());
            learner.loadedGeneration = newest.generation();
            learner.loadedVersion = newest.version();
        }
        double lossSum = 0;
        long correct = 0;
        double[] g;
        if (block.rows() > 0) {
            BatchStats stats = learner.network.gradient(learner.features.of(block), block.labels(), block.rows(),
                    learner.gradient);
            lossSum = stats.lossSum();
            correct = stats.correct();
            g = learner.gradient.clone();
            nanos = System.nanoTime() - start;
        } else {
            g = new double[0];
        }
        out.collect(new GradientBlock(learner.spec.id(), block.shardKey(), learner.loadedGeneration,
                learner.loadedVersion, g, block.rows(), lossSum, correct, block.rejected(), false, block.partitions(),
                block.nextOffsets()));
        return nanos;
    }

    private Shard shard(int key) {
        return shards.computeIfAbsent(key, k -> new Shard());
    }
}
