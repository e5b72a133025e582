package io.streamtrain.job;

import io.streamtrain.config.ModelSpec;
import io.streamtrain.config.StartPoint;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.connectors.record.ModelVersion;
import io.streamtrain.nn.UpdateRule;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.GlobalWindow;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parameter updater: merges the gradient blocks of one window into one optimizer step and
 * publishes the next version. Keyed by model id: each model has its own window, parameters and
 * optimizer state, so several models train side by side.
 *
 * <pre>
 *   g = (sum over kept blocks of gradient) / (rows of kept blocks) + l2 * W
 *   theta <- optimizer(theta, g)
 * </pre>
 *
 * A block's staleness is the number of versions applied since the version it was computed on;
 * blocks beyond {@code maxStaleness} are dropped and counted. The window function sees every
 * block, not a pre-reduced sum, precisely so that staleness is judged per block. A block whose
 * gradient or loss is not finite is refused on its own, and an update that would make a parameter
 * or the optimizer state non-finite is refused whole (both counted as updates refused): the model
 * never becomes NaN. A {@link DivergenceGuard} judges each window's loss against the model's recent
 * level and, when the model diverged, publishes its last good parameters instead of the update. Parameters,
 * optimizer state and counters live in keyed state ({@code globalState()}), the generation in
 * operator state: it increases on every restore, so a restored updater's new timeline wins over
 * versions published before the failure. A version is flagged final once every shard has sent
 * its end-of-input marker: the workers send it only after their last block, so nothing is lost.
 * Each version also tells the workers how many blocks of each shard it has consumed, which is
 * what their flow control runs on. A model's fresh state begins at its {@link StartPoint} (version
 * 0, or a warm start's stored version with its optimizer state, as a new generation); snapshots
 * carry the optimizer state and step, so that a later run can warm-start from them.
 *
 * <p>In the local consistency mode the workers train replicas themselves and send their parameter
 * changes (times their rows) instead of gradients; the updater then averages the window's
 * changes, weighted by rows, and adds the average to the parameters ({@code theta <- theta +
 * sum / rows}): federated averaging. Its own optimizer state is not used then.
 *
 * <p>A stop with a drained savepoint ends the input like a bounded run's end: the workers send
 * their end markers after their last block, so the savepoint's final version (flagged final, and
 * snapshotted) has trained every row read. A job resumed from that savepoint continues the state:
 * the same versions, counters and optimizer state, under the next generation.
 */
public final class ApplyOptimizer extends ProcessWindowFunction<GradientBlock, ModelVersion, String, GlobalWindow>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ApplyOptimizer.class);

    public static final OutputTag<ModelSnapshot> SNAPSHOTS = new OutputTag<>("snapshots", TypeInformation.of(ModelSnapshot.class));

    private static final ValueStateDescriptor<ModelState> STATE =
            new ValueStateDescriptor<>("model-state", TypeInformation.of(ModelState.class));
    private static final ValueStateDescriptor<DivergenceGuard.State> GUARD =
            new ValueStateDescriptor<>("divergence-guard", TypeInformation.of(DivergenceGuard.State.class));

    private final List<ModelSpec> models;
    private final long maxStaleness;
    private final SnapshotPolicy snapshots;
    private final String rowsTopic;
    private final int shards;
    private final DivergenceGuard guard;
    private final boolean averageChanges;
    private final Set<String> floatModels;

    private transient Map<String, ModelSpec> specs;
    private transient ListState<Long> generationState;
    /** 0, or after a restore one more than any generation published before; see {@link #generation}. */
    private transient long generation;
    private transient UpdaterMetrics metrics;

    /**
     * @param models every model the updater may be sent blocks of; each key (model id) has its
     *     own window, parameters and optimizer state
     * @param maxStaleness blocks computed more than this many versions ago are dropped (-1 = no bound)
     * @param shards gradient shards: a model's input has ended when each has sent its end marker
     */
    public ApplyOptimizer(List<ModelSpec> models, long maxStaleness, SnapshotPolicy snapshots, String rowsTopic,
            int shards) {
        this(models, maxStaleness, snapshots, rowsTopic, shards, new DivergenceGuard(0, 1));
    }

    /**
     * @param guard judges each window's loss against the model's recent level, and sends the model
     *     back to its last good parameters when it diverged (see {@link DivergenceGuard})
     */
    public ApplyOptimizer(List<ModelSpec> models, long maxStaleness, SnapshotPolicy snapshots, String rowsTopic,
            int shards, DivergenceGuard guard) {
        this(models, maxStaleness, snapshots, rowsTopic, shards, guard, false);
    }

    /**
     * @param averageChanges the local consistency mode: blocks carry the workers' parameter changes
     *     times their rows, and a window's row-weighted average of them is added to the parameters
     */
    public ApplyOptimizer(List<ModelSpec> models, long maxStaleness, SnapshotPolicy snapshots, String rowsTopic,
            int shards, DivergenceGuard guard, boolean averageChanges) {
        this(models, maxStaleness, snapshots, rowsTopic, shards, guard, averageChanges, Set.of());
    }

    /**
     * @param floatModels models whose gradient workers compute in float32: their versions are
     *     published with every parameter rounded to float, which is what those workers load anyway,
     *     so the parameters topic and the broadcast carry half the bytes; the parameters kept here,
     *     the optimizer's and the snapshots', stay double
     */
    public ApplyOptimizer(List<ModelSpec> models, long maxStaleness, SnapshotPolicy snapshots, String rowsTopic,
            int shards, DivergenceGuard guard, boolean averageChanges, Set<String> floatModels) {
        this.averageChanges = averageChanges;
        this.floatModels = Set.copyOf(floatModels);
        this.models = List.copyOf(models);
        this.maxStaleness = maxStaleness;
        this.snapshots = snapshots;
        this.rowsTopic = rowsTopic;
        this.shards = shards;
        this.guard = guard;
    }

    @Override
    public void open(OpenContext openContext) {
        specs = new HashMap<>();
        for (ModelSpec spec : models) {
            specs.put(spec.id(), spec);
        }
        metrics = new UpdaterMetrics(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        generationState = context.getOperatorStateStore()
                .getUnionListState(new ListStateDescriptor<>("generation", Types.LONG));
        generation = 0;
        if (context.isRestored()) {
            for (Long g : generationState.get()) {
                generation = Math.max(generation, g + 1);
            }
            LOG.info("parameter updater restored: generation {}", generation);
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        long highest = generation;
        for (ModelSpec spec : models) {
            highest = Math.max(highest, generation(spec));
        }
        generationState.update(List.of(highest));
    }

    /**
     * The generation a model's versions carry: its start point's (higher than any stored for it),
     * or, after a restore, a higher one than every model had published before the failure.
     */
    private long generation(ModelSpec spec) {
        return Math.max(generation, spec.start().generation());
    }

    @Override
    public void process(String model, Context ctx, Iterable<GradientBlock> blocks, Collector<ModelVersion> out)
            throws Exception {
        ModelSpec spec = specs.get(model);
        if (spec == null) {
            throw new IllegalStateException("gradient blocks of model '" + model + "', which is not one of "
                    + ModelSpec.ids(models));
        }
        UpdateRule rule = spec.updateRule();
        ValueState<ModelState> state = ctx.globalState().getState(STATE);
        ModelState s = state.value();
        if (s == null) {
            StartPoint start = spec.start();
            s = new ModelState(generation(spec), start.version(), start.step(), start.parameters().clone(),
                    start.optimizerState().clone(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, start.version(),
                    System.currentTimeMillis(), new long[0], new int[0], new long[0], 0);
        }
        ValueState<DivergenceGuard.State> guardState = ctx.globalState().getState(GUARD);
        DivergenceGuard.State g = guardState.value() == null ? DivergenceGuard.State.initial() : guardState.value();
        double[] theta = s.parameters();
        double[] sum = new double[theta.length];
        long oldestBase = Long.MAX_VALUE;
        long blocksRefused = 0;
        long rows = 0;
        double lossSum = 0;
        long correct = 0;
        long rejected = 0;
        long blocksApplied = 0;
        long blocksDropped = 0;
        long stalenessSum = 0;
        long stalenessMax = s.stalenessMax();
        long[] offsets = s.offsets();
        int[] shardKeys = s.shardKeys();
        long[] shardBlocks = s.shardBlocks().clone();
        // every shard had ended, yet blocks come: a job resumed from the savepoint of a drained stop
        // (after a final version nothing else arrives in the same run); its input has not ended
        int shardsEnded = s.shardsEnded() >= shards ? 0 : s.shardsEnded();
        long consumed = 0;
        for (GradientBlock b : blocks) {
            rejected += b.rejected();
            offsets = mergeOffsets(offsets, b.partitions(), b.nextOffsets());
            if (b.endOfInput()) {
                shardsEnded++;
                continue;
            }
            if (b.rows() == 0) {
                continue;
            }
            int shard = indexOf(shardKeys, b.shardKey());
            if (shard < 0) {
                shardKeys = Arrays.copyOf(shardKeys, shardKeys.length + 1);
                shardBlocks = Arrays.copyOf(shardBlocks, shardBlocks.length + 1);
                shard = shardKeys.length - 1;
                shardKeys[shard] = b.shardKey();
            }
            shardBlocks[shard]++;
            consumed++;
            // a block computed, after a restore, on a version of the timeline before it (replayed from
            // the parameters topic before the new generation's first version arrived) may name a
            // version this timeline has not reached: it is applied, as a fresh one
            long staleness = Math.max(0, s.version() - b.baseVersion());
            metrics.blockConsumed(model, staleness);
            if (maxStaleness >= 0 && staleness > maxStaleness) {
                blocksDropped++;
                continue;
            }
            if (!isFinite(b)) {
                // one block's overflow (rows of enormous values, say) must not spoil the others
                blocksRefused++;
                LOG.warn("model '{}': refused a gradient block of {} rows from shard {} (computed on version {}): "
                        + "its gradient or loss is not finite", model, b.rows(), b.shardKey(), b.baseVersion());
                continue;
            }
            oldestBase = Math.min(oldestBase, b.baseVersion());
            double[] gradient = b.gradient();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += gradient[i];
            }
            rows += b.rows();
            lossSum += b.lossSum();
            correct += b.correct();
            blocksApplied++;
            stalenessSum += staleness;
            stalenessMax = Math.max(stalenessMax, staleness);
        }
        boolean updated = false;
        long refused = blocksRefused;
        double[] next = theta;
        double[] optimizerState = s.optimizerState();
        long step = s.step();
        DivergenceGuard.Verdict verdict = DivergenceGuard.Verdict.APPLY;
        if (rows > 0) {
            double meanLoss = lossSum / rows;
            DivergenceGuard.Judgement judgement = guard.judge(g, meanLoss, rows, oldestBase, s.version(), theta,
                    s.optimizerState(), s.step());
            verdict = judgement.verdict();
            if (verdict == DivergenceGuard.Verdict.RESTORE && judgement.state().divergences() > g.divergences()) {
                LOG.warn("model '{}': the loss of the rows scored on version {} ({} per row) is above "
                                + "training.divergence-factor={} times its recent level ({}): the model diverged; "
                                + "discarding the update and going back to the parameters of version {} (lower the "
                                + "learning rate, or set training.divergence-factor=0 to turn this guard off)",
                        model, oldestBase, meanLoss, guard.factor(), g.level(), g.goodVersion());
            } else if (verdict == DivergenceGuard.Verdict.NEW_LEVEL) {
                LOG.warn("model '{}': the loss stayed at {} per row on the restored parameters of version {}, so the "
                        + "rows changed, not the model: taking it as the new level of training.divergence-factor",
                        model, meanLoss, g.goodVersion());
            }
            g = judgement.state();
        }
        if (verdict == DivergenceGuard.Verdict.RESTORE) {
            next = g.goodParameters();
            optimizerState = g.goodOptimizerState();
            step = g.goodStep();
        } else if (rows > 0) {
            next = theta.clone();
            optimizerState = optimizerState.clone();
            updated = averageChanges ? addAverage(next, sum, rows)
                    : rule.apply(next, sum, rows, optimizerState, s.step() + 1);
            if (!updated) {
                refused++;
                next = theta;
                optimizerState = s.optimizerState();
                LOG.warn("model '{}': refused a non-finite update of {} rows at version {}; parameters unchanged",
                        model, rows, s.version());
            } else {
                step++;
            }
        }
        long trained = updated ? rows : 0;
        boolean last = shardsEnded >= shards;
        // every consumed block advances the version, even when the update was refused or every
        // block was too stale: the workers' flow control waits for the consumed counts
        boolean advanced = consumed > 0;
        long now = System.currentTimeMillis();
        ModelState n = new ModelState(generation(spec), s.version() + (advanced ? 1 : 0), step, next,
                optimizerState, s.rowsTrained() + trained, s.rowsRejected() + rejected,
                s.lossSum() + (updated ? lossSum : 0), s.correct() + (updated ? correct : 0),
                s.windowRows() + trained, s.windowLossSum() + (updated ? lossSum : 0),
                s.windowCorrect() + (updated ? correct : 0),
                s.blocksApplied() + (updated ? blocksApplied : 0), s.blocksDropped() + blocksDropped,
                s.updatesRefused() + refused, s.stalenessSum() + (updated ? stalenessSum : 0), stalenessMax,
                s.lastSnapshotVersion(), s.lastSnapshotMillis(), offsets, shardKeys, shardBlocks, shardsEnded);
        if (advanced || last || rejected > 0) {
            out.collect(new ModelVersion(model, n.generation(), n.version(), last, n.rowsTrained(), n.rowsRejected(),
                    n.lossSum(), n.correct(), now, n.shardKeys(), n.shardBlocks(),
                    floatModels.contains(model) ? roundedToFloats(n.parameters()) : n.parameters()));
        }
        if (last || (advanced && snapshots.due(n.version(), n.lastSnapshotVersion(), now - n.lastSnapshotMillis()))) {
            ctx.output(SNAPSHOTS, snapshot(spec, n, g.divergences(), last, now));
            n = new ModelState(n.generation(), n.version(), n.step(), n.parameters(), n.optimizerState(),
                    n.rowsTrained(), n.rowsRejected(), n.lossSum(), n.correct(), 0, 0, 0, n.blocksApplied(),
                    n.blocksDropped(), n.updatesRefused(), n.stalenessSum(), n.stalenessMax(), n.version(), now,
                    n.offsets(), n.shardKeys(), n.shardBlocks(), n.shardsEnded());
        }
        if (last) {
            LOG.info("model '{}' final version {} (generation {}): {} rows trained, {} rejected, {} blocks dropped "
                            + "as stale, {} updates refused", model, n.version(), n.generation(), n.rowsTrained(),
                    n.rowsRejected(), n.blocksDropped(), n.updatesRefused());
        }
        state.update(n);
        guardState.update(g);
        metrics.stateUpdated(model, n, g.divergences());
    }

    /** A copy with every value rounded to the nearest float, as a float32 worker loads it. */
    static double[] roundedToFloats(double[] values) {
        double[] rounded = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            rounded[i] = (float) values[i];
        }
        return rounded;
    }

    private ModelSnapshot snapshot(ModelSpec spec, ModelState s, long divergences, boolean last, long now) {
        double windowLoss = s.windowRows() == 0 ? Double.NaN : s.windowLossSum() / s.windowRows();
        double windowAccuracy = s.windowRows() == 0 ? Double.NaN : (double) s.windowCorrect() / s.windowRows();
        double stalenessMean = s.blocksApplied() == 0 ? Double.NaN : (double) s.stalenessSum() / s.blocksApplied();
        StringJoiner offsets = new StringJoiner(",", rowsTopic + ":", "");
        for (int p = 0; p < s.offsets().length; p++) {
            offsets.add(p + "=" + s.offsets()[p]);
        }
        StartPoint start = spec.start();
        UpdateRule rule = spec.updateRule();
        return new ModelSnapshot(spec.id(), s.generation(), s.version(), last, now, s.rowsTrained(), s.rowsRejected(),
                windowLoss, windowAccuracy, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                rule.learningRate(Math.max(1, s.step())), stalenessMean, s.stalenessMax(), s.blocksDropped(),
                s.updatesRefused(), spec.networkSpec().toJson(), spec.architecture().sizes(), spec.configHash(),
                offsets.toString(), s.parameters(), s.step(), start.parentModel(), start.parentVersion(),
                rule.optimizer().name(), s.optimizerState(), divergences);
    }

    /** theta += sum / rows, refused (false, theta unchanged) when a parameter would not be finite. */
    private static boolean addAverage(double[] theta, double[] sum, long rows) {
        double inv = 1.0 / rows;
        for (int i = 0; i < theta.length; i++) {
            if (!Double.isFinite(theta[i] + sum[i] * inv)) {
                return false;
            }
        }
        for (int i = 0; i < theta.length; i++) {
            theta[i] += sum[i] * inv;
        }
        return true;
    }

    /** Whether a block's gradient and loss are finite numbers. */
    private static boolean isFinite(GradientBlock b) {
        if (!Double.isFinite(b.lossSum())) {
            return false;
        }
        for (double v : b.gradient()) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(int[] keys, int key) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] == key) {
                return i;
            }
        }
        return -1;
    }

    private static long[] mergeOffsets(long[] offsets, int[] partitions, long[] next) {
        long[] merged = offsets;
        for (int i = 0; i < partitions.length; i++) {
            int p = partitions[i];
            if (p >= merged.length) {
                merged = Arrays.copyOf(merged, p + 1);
            } else if (merged == offsets) {
                merged = offsets.clone();
            }
            merged[p] = Math.max(merged[p], next[i]);
        }
        return merged;
    }
}
