package io.streamtrain.job;

import io.streamtrain.compute.OneThread;
import io.streamtrain.config.ModelSpec;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.nn.Kernel;
import io.streamtrain.nn.Network;
import io.streamtrain.nn.Evaluation;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The held-out evaluator: scores every snapshot's parameters on the held-out rows and fills in
 * its held-out loss and accuracy, and for two-class models precision, recall and F1 of class 1.
 *
 * <p>The held-out rows arrive once, as parsed blocks broadcast to every instance, and are kept in
 * broadcast state (every instance holds them all, so each can score any model, and each gets
 * them back on a restore). Snapshots are keyed by model id. A snapshot that arrives before the
 * held-out rows are complete (before every held-out parser has sent its end marker) waits in
 * keyed state, so no snapshot is ever scored on part of the set; once the set is complete the
 * waiting ones are scored and passed on in their order. Scoring runs in double precision.
 */
public final class EvaluateHoldout extends KeyedBroadcastProcessFunction<String, ModelSnapshot, RowBlock, ModelSnapshot> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(EvaluateHoldout.class);

    /** Held-out blocks with rows, by their source position (first partition and its next offset). */
    public static final MapStateDescriptor<String, RowBlock> HOLDOUT_ROWS = new MapStateDescriptor<>(
            "holdout-rows", BasicTypeInfo.STRING_TYPE_INFO, TypeInformation.of(RowBlock.class));

    /** End markers received from the held-out parsers, under the key {@link #ENDS}. */
    public static final MapStateDescriptor<String, Integer> HOLDOUT_ENDS = new MapStateDescriptor<>(
            "holdout-ends", BasicTypeInfo.STRING_TYPE_INFO, BasicTypeInfo.INT_TYPE_INFO);

    private static final String ENDS = "ends";

    private static final ListStateDescriptor<ModelSnapshot> WAITING =
            new ListStateDescriptor<>("waiting-snapshots", TypeInformation.of(ModelSnapshot.class));

    private final List<ModelSpec> models;
    private final int batchSize;
    private final int parsers;

    private transient Map<String, ModelSpec> specs;
    private transient Map<String, Network> networks;
    private transient HoldoutMetrics metrics;

    /**
     * @param batchSize rows per held-out block at most
     * @param parsers parallelism of the held-out parser: the set is complete after that many end markers
     */
    public EvaluateHoldout(List<ModelSpec> models, int batchSize, int parsers) {
        this.models = List.copyOf(models);
        this.batchSize = batchSize;
        this.parsers = parsers;
    }

    @Override
    public void open(OpenContext openContext) {
        OneThread.forNd4j();
        specs = new HashMap<>();
        networks = new HashMap<>();
        for (ModelSpec spec : models) {
            specs.put(spec.id(), spec);
        }
        metrics = new HoldoutMetrics(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void processElement(ModelSnapshot snapshot, ReadOnlyContext ctx, Collector<ModelSnapshot> out)
            throws Exception {
        ReadOnlyBroadcastState<String, RowBlock> rows = ctx.getBroadcastState(HOLDOUT_ROWS);
        if (complete(ctx.getBroadcastState(HOLDOUT_ENDS))) {
            out.collect(evaluate(snapshot, rows));
        } else {
            getRuntimeContext().getListState(WAITING).add(snapshot);
        }
    }

    @Override
    public void processBroadcastElement(RowBlock block, Context ctx, Collector<ModelSnapshot> out) throws Exception {
        BroadcastState<String, RowBlock> rows = ctx.getBroadcastState(HOLDOUT_ROWS);
        if (block.rows() > 0) {
            rows.put(block.partitions()[0] + ":" + block.nextOffsets()[0], block);
            metrics.rowsReceived(count(rows));
        }
        if (!block.endOfInput()) {
            return;
        }
        BroadcastState<String, Integer> ends = ctx.getBroadcastState(HOLDOUT_ENDS);
        Integer seen = ends.get(ENDS);
        ends.put(ENDS, (seen == null ? 0 : seen) + 1);
        if (complete(ends)) {
            LOG.info("held-out rows complete: {} rows", count(rows));
            ctx.applyToKeyedState(WAITING, (model, waiting) -> {
                for (ModelSnapshot s : waiting.get()) {
                    out.collect(evaluate(s, rows));
                }
                waiting.clear();
            });
        }
    }

    private static long count(ReadOnlyBroadcastState<String, RowBlock> rows) throws Exception {
        long count = 0;
        for (Map.Entry<String, RowBlock> e : rows.immutableEntries()) {
            count += e.getValue().rows();
        }
        return count;
    }

    private boolean complete(ReadOnlyBroadcastState<String, Integer> ends) throws Exception {
        Integer seen = ends.get(ENDS);
        return seen != null && seen >= parsers;
    }

    /** The snapshot with its held-out scores (NaN where there are no held-out rows). */
    private ModelSnapshot evaluate(ModelSnapshot snapshot, ReadOnlyBroadcastState<String, RowBlock> rows)
            throws Exception {
        ModelSpec spec = specs.get(snapshot.model());
        if (spec == null) {
            throw new IllegalStateException("a snapshot of model '" + snapshot.model() + "', which is not one of "
                    + ModelSpec.ids(models));
        }
        Network network = networks.computeIfAbsent(spec.id(),
                id -> Kernel.AUTO.create(spec.architecture(), DataType.DOUBLE, batchSize));
        network.setParameters(snapshot.parameters());
        Evaluation evaluation = new Evaluation(spec.architecture());
        RowBlock.FloatFeatures features = new RowBlock.FloatFeatures();
        for (Map.Entry<String, RowBlock> e : rows.immutableEntries()) {
            RowBlock b = e.getValue();
            network.evaluate(features.of(b), b.labels(), b.rows(), evaluation);
        }
        ModelSnapshot scored = snapshot.withHoldout(evaluation.loss(), evaluation.accuracy(), evaluation.precision(),
                evaluation.recall(), evaluation.f1());
        metrics.scored(scored);
        return scored;
    }
}
