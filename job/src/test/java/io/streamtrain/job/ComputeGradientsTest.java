package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.compute.ComputeBackend;
import io.streamtrain.compute.ComputeBackendException;
import io.streamtrain.config.ModelSpec;
import io.streamtrain.config.StartPoint;
import io.streamtrain.connectors.record.ModelVersion;
import io.streamtrain.data.SeedData;
import io.streamtrain.nn.Activation;
import io.streamtrain.nn.Adam;
import io.streamtrain.nn.Architecture;
import io.streamtrain.nn.BatchStats;
import io.streamtrain.nn.Kernel;
import io.streamtrain.nn.Network;
import io.streamtrain.nn.Initializer;
import io.streamtrain.nn.Loss;
import io.streamtrain.nn.Sgd;
import io.streamtrain.nn.UpdateRule;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** The gradient worker in an operator harness, with real broadcast state. */
class ComputeGradientsTest {
    private static final Architecture SEED = Architecture.seed();
    private static final double[] INITIAL = Initializer.HE.initialize(SEED, 7, 0);
    private static final int BATCH = 8;
    private static final ModelSpec SEED_MODEL = new ModelSpec("seed", SEED, INITIAL,
            new UpdateRule(SEED, new Sgd(), 0.1, 0), "sgd lr 0.1", "hash");
    private static final Architecture WIDE = new Architecture(new int[] {2, 4, 2}, Activation.TANH, Activation.SOFTMAX,
            Loss.CROSS_ENTROPY);
    private static final double[] WIDE_INITIAL = Initializer.XAVIER.initialize(WIDE, 3, 0);
    private static final ModelSpec WIDE_MODEL = new ModelSpec("wide", WIDE, WIDE_INITIAL,
            new UpdateRule(WIDE, new Sgd(), 0.1, 0), "sgd lr 0.1", "hash");

    private KeyedBroadcastOperatorTestHarness<Integer, RowBlock, ModelVersion, GradientBlock> harness;

    @BeforeEach
    void open() throws Exception {
        harness = ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(
                new ComputeGradients(List.of(SEED_MODEL), false, BATCH, 1, 1, ComputeBackend.Choice.AUTO),
                new StreamtrainJob.ShardKey(), Types.INT,
                ComputeGradients.PARAMETERS);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private static RowBlock block(int shard, long firstRow) {
        float[] x = new float[2 * BATCH];
        float[] y = new float[BATCH];
        SeedData data = new SeedData(1);
        for (int r = 0; r < BATCH; r++) {
            y[r] = data.row(firstRow + r, x, 2 * r);
        }
        return new RowBlock(shard, BATCH, 1, x, y, new int[] {0}, new long[] {firstRow + BATCH}, false);
    }

    private static double[] expectedGradient(double[] params, RowBlock block, BatchStats[] stats) {
        return expectedGradient(SEED, params, block, stats);
    }

    private static double[] expectedGradient(Architecture arch, double[] params, RowBlock block, BatchStats[] stats) {
        Network net = Kernel.AUTO.create(arch, DataType.FLOAT, BATCH);
        net.setParameters(params);
        double[] g = new double[arch.parameterCount()];
        BatchStats s = net.gradient(block.features(), block.labels(), block.rows(), g);
        stats[0] = s;
        return g;
    }

    private static ModelVersion version(long generation, long version, double[] params, int... consumedByShard) {
        return version("seed", generation, version, params, consumedByShard);
    }

    private static ModelVersion version(String model, long generation, long version, double[] params,
            int... consumedByShard) {
        int[] keys = new int[consumedByShard.length / 2];
        long[] blocks = new long[keys.length];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = consumedByShard[2 * i];
            blocks[i] = consumedByShard[2 * i + 1];
        }
        return new ModelVersion(model, generation, version, false, 0, 0, 0, 0, 0, keys, blocks, params);
    }

    private static RowBlock end(int shard) {
        return new RowBlock(shard, 0, 0, new float[0], new float[0], new int[0], new long[0], true);
    }

    @Test
    void computesOnVersionZeroUntilAVersionArrives() throws Exception {
        RowBlock b = block(3, 0);
        harness.processElement(b, 0);
        List<GradientBlock> out = harness.extractOutputValues();
        assertThat(out).hasSize(1);
        GradientBlock g = out.get(0);
        BatchStats[] stats = new BatchStats[1];
        assertThat(g.gradient()).containsExactly(expectedGradient(INITIAL, b, stats));
        assertThat(g.baseGeneration()).isZero();
        assertThat(g.baseVersion()).isZero();
        assertThat(g.rows()).isEqualTo(BATCH);
        assertThat(g.rejected()).isEqualTo(1);
        assertThat(g.shardKey()).isEqualTo(3);
        assertThat(g.lossSum()).isEqualTo(stats[0].lossSum());
        assertThat(g.correct()).isEqualTo(stats[0].correct());
        assertThat(g.nextOffsets()).containsExactly(BATCH);
    }

    @Test
    void keepsTheNewestVersionAndIgnoresReplays() throws Exception {
        double[] v5 = Arrays.stream(INITIAL).map(p -> p * 0.5 + 0.1).toArray();
        double[] v4 = Arrays.stream(INITIAL).map(p -> -p).toArray();
        harness.processBroadcastElement(version(0, 5, v5), 0);
        harness.processBroadcastElement(version(0, 4, v4), 0); // a replayed older version
        harness.processBroadcastElement(version(0, 5, v4), 0); // a duplicate stamp changes nothing
        assertThat(harness.getBroadcastState(ComputeGradients.PARAMETERS).get("seed").parameters()).containsExactly(v5);

        RowBlock b = block(1, 100);
        harness.processElement(b, 0);
        GradientBlock g = harness.extractOutputValues().get(0);
        assertThat(g.baseVersion()).isEqualTo(5);
        assertThat(g.gradient()).containsExactly(expectedGradient(v5, b, new BatchStats[1]));

        // a restored updater's next generation wins even with a lower version number
        harness.processBroadcastElement(version(1, 2, v4, 1, 1), 0);
        harness.processElement(block(1, 200), 0);
        GradientBlock h = harness.extractOutputValues().get(1);
        assertThat(h.baseGeneration()).isEqualTo(1);
        assertThat(h.baseVersion()).isEqualTo(2);
        assertThat(h.gradient()).containsExactly(expectedGradient(v4, block(1, 200), new BatchStats[1]));
    }

    @Test
    void aRestoredTimelineWinsOverVersionsPublishedBeforeTheFailure() throws Exception {
        // after a restore the parameters topic replays versions of the old timeline (generation 0),
        // some far ahead of the restored updater's; its new generation must win whatever they say
        double[] restored = Arrays.stream(INITIAL).map(p -> p * 0.9).toArray();
        double[] replayed = Arrays.stream(INITIAL).map(p -> -p).toArray();
        harness.processBroadcastElement(version(1, 10, restored, 1, 0), 0);
        harness.processBroadcastElement(version(0, 500, replayed, 1, 500), 0);
        harness.processBroadcastElement(version(0, 11, replayed, 1, 11), 0);
        ModelVersion kept = harness.getBroadcastState(ComputeGradients.PARAMETERS).get("seed");
        assertThat(kept.generation()).isEqualTo(1);
        assertThat(kept.version()).isEqualTo(10);
        assertThat(kept.parameters()).containsExactly(restored);

        // the next block is computed on the new generation's parameters, and the flow control runs on
        // its consumed counts (none of shard 1's blocks yet), not the replayed ones (500 of them): one
        // block in flight, then wait
        harness.processElement(block(1, 0), 0);
        harness.processElement(block(1, 8), 0);
        List<GradientBlock> out = harness.extractOutputValues();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).baseGeneration()).isEqualTo(1);
        assertThat(out.get(0).baseVersion()).isEqualTo(10);
        assertThat(out.get(0).gradient()).containsExactly(expectedGradient(restored, block(1, 0), new BatchStats[1]));
    }

    @Test
    void holdsBlocksBackUntilAVersionConsumesTheOnesInFlight() throws Exception {
        harness.processElement(block(1, 0), 0);
        harness.processElement(block(1, 8), 0);
        harness.processElement(block(2, 16), 0);
        // one block in flight per shard: shard 1's second block waits, shard 2 is independent
        assertThat(harness.extractOutputValues()).extracting(GradientBlock::shardKey).containsExactly(1, 2);

        double[] v1 = Arrays.stream(INITIAL).map(p -> p + 0.01).toArray();
        harness.processBroadcastElement(version(0, 1, v1, 2, 1), 0); // consumed shard 2's only
        assertThat(harness.extractOutputValues()).hasSize(2);
        harness.processBroadcastElement(version(0, 2, v1, 1, 1, 2, 1), 0);
        List<GradientBlock> out = harness.extractOutputValues();
        assertThat(out).hasSize(3);
        assertThat(out.get(2).shardKey()).isEqualTo(1);
        assertThat(out.get(2).baseVersion()).isEqualTo(2);
        assertThat(out.get(2).gradient()).containsExactly(expectedGradient(v1, block(1, 8), new BatchStats[1]));
    }

    @Test
    void sendsItsEndMarkerAfterItsLastBlock() throws Exception {
        harness.processElement(block(1, 0), 0);
        harness.processElement(block(1, 8), 0);
        harness.processElement(end(1), 0);
        harness.processElement(end(2), 0);
        List<GradientBlock> out = harness.extractOutputValues();
        // shard 2 had nothing waiting; shard 1 still holds a block, so no marker yet
        assertThat(out).extracting(GradientBlock::shardKey, GradientBlock::endOfInput)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, false), org.assertj.core.groups.Tuple.tuple(2, true));
        harness.processBroadcastElement(version(0, 1, INITIAL, 1, 1), 0);
        out = harness.extractOutputValues();
        assertThat(out.subList(2, 4)).extracting(GradientBlock::shardKey, GradientBlock::endOfInput)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, false), org.assertj.core.groups.Tuple.tuple(1, true));
        assertThat(out.get(3).rows()).isZero();
    }

    @Test
    void refusesParametersOfAnotherArchitecture() {
        assertThatThrownBy(() -> harness.processBroadcastElement(version(0, 1, new double[3]), 0))
                .hasMessageContaining("model.layers");
    }

    @Test
    void aWorkerAskedForCudaOnTheCpuBuildFailsAtOpenWithoutRestarts() {
        assertThatThrownBy(() -> ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(
                        new ComputeGradients(List.of(SEED_MODEL), false, BATCH, 1, 1, ComputeBackend.Choice.CUDA),
                        new StreamtrainJob.ShardKey(), Types.INT, ComputeGradients.PARAMETERS))
                .isInstanceOf(SuppressRestartsException.class)
                .cause()
                .isInstanceOf(ComputeBackendException.class)
                .hasMessageStartingWith("gradient worker 0: compute.backend=cuda, but ND4J runs on CPU (")
                .hasMessageContaining("mvn -Pcuda -DskipTests package");
    }

    /** A worker training the seed model and a wider tanh model on the same blocks. */
    private static KeyedBroadcastOperatorTestHarness<Integer, RowBlock, ModelVersion, GradientBlock> twoModels()
            throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(
                new ComputeGradients(List.of(SEED_MODEL, WIDE_MODEL), false, BATCH, 1, 1, ComputeBackend.Choice.AUTO),
                new StreamtrainJob.ShardKey(),
                Types.INT, ComputeGradients.PARAMETERS);
    }

    @Test
    void everyModelLearnsFromTheSameBlock() throws Exception {
        try (var two = twoModels()) {
            RowBlock b = block(3, 0);
            two.processElement(b, 0);
            List<GradientBlock> out = two.extractOutputValues();
            assertThat(out).extracting(GradientBlock::model).containsExactly("seed", "wide");
            BatchStats[] stats = new BatchStats[1];
            assertThat(out.get(0).gradient()).containsExactly(expectedGradient(SEED, INITIAL, b, stats));
            assertThat(out.get(0).lossSum()).isEqualTo(stats[0].lossSum());
            assertThat(out.get(1).gradient()).containsExactly(expectedGradient(WIDE, WIDE_INITIAL, b, stats));
            assertThat(out.get(1).lossSum()).isEqualTo(stats[0].lossSum());
            assertThat(out.get(1).correct()).isEqualTo(stats[0].correct());
            // the block's bookkeeping goes to every model's updater
            assertThat(out).allSatisfy(g -> {
                assertThat(g.rows()).isEqualTo(BATCH);
                assertThat(g.rejected()).isEqualTo(1);
                assertThat(g.shardKey()).isEqualTo(3);
                assertThat(g.nextOffsets()).containsExactly(BATCH);
            });
        }
    }

    @Test
    void eachModelComputesOnItsOwnNewestVersion() throws Exception {
        try (var two = twoModels()) {
            double[] wide7 = Arrays.stream(WIDE_INITIAL).map(p -> p * 0.5).toArray();
            two.processBroadcastElement(version("wide", 0, 7, wide7), 0);
            two.processBroadcastElement(version("elsewhere", 0, 9, new double[1]), 0); // not ours: ignored
            RowBlock b = block(1, 40);
            two.processElement(b, 0);
            List<GradientBlock> out = two.extractOutputValues();
            assertThat(out).extracting(GradientBlock::model, GradientBlock::baseVersion)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("seed", 0L),
                            org.assertj.core.groups.Tuple.tuple("wide", 7L));
            assertThat(out.get(1).gradient()).containsExactly(expectedGradient(WIDE, wide7, b, new BatchStats[1]));
            assertThat(two.getBroadcastState(ComputeGradients.PARAMETERS).contains("elsewhere")).isFalse();
        }
    }

    @Test
    void aShardWaitsForTheSlowestModel() throws Exception {
        try (var two = twoModels()) {
            two.processElement(block(1, 0), 0);
            two.processElement(block(1, 8), 0);
            assertThat(two.extractOutputValues()).hasSize(2); // block 1, both models; block 2 waits
            two.processBroadcastElement(version("seed", 0, 1, INITIAL, 1, 1), 0);
            assertThat(two.extractOutputValues()).hasSize(2); // "wide" has not consumed block 1 yet
            two.processBroadcastElement(version("wide", 0, 1, WIDE_INITIAL, 1, 1), 0);
            List<GradientBlock> out = two.extractOutputValues();
            assertThat(out.subList(2, 4)).extracting(GradientBlock::model, GradientBlock::baseVersion)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("seed", 1L),
                            org.assertj.core.groups.Tuple.tuple("wide", 1L));
        }
    }

    @Test
    void aWarmStartedModelComputesOnItsStartPointNextToAColdOne() throws Exception {
        double[] stored = Arrays.stream(WIDE_INITIAL).map(p -> p * 0.25 - 0.1).toArray();
        StartPoint start = new StartPoint(2, 40, 40, stored, new double[0], "wide", 30);
        try (var two = ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(
                new ComputeGradients(List.of(SEED_MODEL, WIDE_MODEL.withStart(start)), false, BATCH, 1, 1,
                        ComputeBackend.Choice.AUTO),
                new StreamtrainJob.ShardKey(), Types.INT, ComputeGradients.PARAMETERS)) {
            RowBlock b = block(1, 0);
            two.processElement(b, 0);
            List<GradientBlock> out = two.extractOutputValues();
            assertThat(out).extracting(GradientBlock::model, GradientBlock::baseGeneration, GradientBlock::baseVersion)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("seed", 0L, 0L),
                            org.assertj.core.groups.Tuple.tuple("wide", 2L, 40L));
            assertThat(out.get(0).gradient()).containsExactly(expectedGradient(SEED, INITIAL, b, new BatchStats[1]));
            assertThat(out.get(1).gradient()).containsExactly(expectedGradient(WIDE, stored, b, new BatchStats[1]));

            // versions of an older timeline do not replace the start point; the new timeline's do
            two.processBroadcastElement(version("wide", 1, 90, WIDE_INITIAL, 1, 1), 0);
            two.processBroadcastElement(version("wide", 2, 40, WIDE_INITIAL, 1, 1), 0);
            assertThat(two.getBroadcastState(ComputeGradients.PARAMETERS).contains("wide")).isFalse();
            double[] v41 = Arrays.stream(stored).map(p -> p + 0.01).toArray();
            two.processBroadcastElement(version("wide", 2, 41, v41, 1, 1), 0);
            two.processBroadcastElement(version("seed", 0, 1, INITIAL, 1, 1), 0);
            RowBlock c = block(1, 8);
            two.processElement(c, 0);
            out = two.extractOutputValues();
            assertThat(out.subList(2, 4)).extracting(GradientBlock::model, GradientBlock::baseVersion)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("seed", 1L),
                            org.assertj.core.groups.Tuple.tuple("wide", 41L));
            assertThat(out.get(3).gradient()).containsExactly(expectedGradient(WIDE, v41, c, new BatchStats[1]));
        }
    }

    @Test
    void endMarkersGoToEveryModel() throws Exception {
        try (var two = twoModels()) {
            two.processElement(end(5), 0);
            assertThat(two.extractOutputValues()).extracting(GradientBlock::model, GradientBlock::endOfInput)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("seed", true),
                            org.assertj.core.groups.Tuple.tuple("wide", true));
        }
    }

    /** Subtask {@code subtask} of two, restored from {@code state} when it is not null. */
    private static KeyedBroadcastOperatorTestHarness<Integer, RowBlock, ModelVersion, GradientBlock> subtaskOfTwo(
            int subtask, OperatorSubtaskState state) throws Exception {
        var h = new KeyedBroadcastOperatorTestHarness<>(new CoBroadcastWithKeyedOperator<>(
                new ComputeGradients(List.of(SEED_MODEL), false, BATCH, 1, 1, ComputeBackend.Choice.AUTO),
                List.of(ComputeGradients.PARAMETERS)), new StreamtrainJob.ShardKey(), Types.INT,
                StreamtrainJob.MAX_PARALLELISM, 2, subtask);
        if (state != null) {
            h.initializeState(AbstractStreamOperatorTestHarness.repartitionOperatorState(state,
                    StreamtrainJob.MAX_PARALLELISM, 2, 2, subtask));
        }
        h.open();
        return h;
    }

    /** The smallest shard key that subtask {@code subtask} of two is sent. */
    private static int shardOf(int subtask) {
        int key = 0;
        while (KeyGroupRangeAssignment.assignKeyToParallelOperator(key, StreamtrainJob.MAX_PARALLELISM, 2) != subtask) {
            key++;
        }
        return key;
    }

    @Test
    void aRestoredWorkerSendsNoEndMarkerForAnotherSubtasksShard() throws Exception {
        // both subtasks have read their shard's whole input (end markers from the parser) while a
        // block still waits for a version; then the job fails and both are restored
        int[] shard = {shardOf(0), shardOf(1)};
        OperatorSubtaskState[] states = new OperatorSubtaskState[2];
        for (int subtask = 0; subtask < 2; subtask++) {
            try (var h = subtaskOfTwo(subtask, null)) {
                h.processElement(block(shard[subtask], 0), 0);
                h.processElement(block(shard[subtask], 8), 0);
                h.processElement(end(shard[subtask]), 0);
                assertThat(h.extractOutputValues()).as("subtask %d before the failure", subtask)
                        .extracting(GradientBlock::shardKey, GradientBlock::endOfInput)
                        .containsExactly(org.assertj.core.groups.Tuple.tuple(shard[subtask], false));
                states[subtask] = h.snapshot(1, 1);
            }
        }
        OperatorSubtaskState checkpoint = AbstractStreamOperatorTestHarness.repackageState(states);
        try (var restored = subtaskOfTwo(0, checkpoint)) {
            // a version that has not consumed the block in flight: the waiting block stays, and the
            // other subtask's shard, whose counters the union state brought here, sends nothing
            restored.processBroadcastElement(version(1, 1, INITIAL, shard[0], 0, shard[1], 0), 0);
            assertThat(restored.extractOutputValues()).as("after a version that consumed nothing").isEmpty();
            // the block in flight consumed: the waiting block, then this shard's end marker only
            restored.processBroadcastElement(version(1, 2, INITIAL, shard[0], 1, shard[1], 1), 0);
            assertThat(restored.extractOutputValues()).extracting(GradientBlock::shardKey, GradientBlock::endOfInput)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(shard[0], false),
                            org.assertj.core.groups.Tuple.tuple(shard[0], true));
        }
    }

    /**
     * A worker in the local mode: replicas trained with the model's rule, merged every
     * {@code localSteps} blocks; with {@code overlap} training on while one merge is in flight.
     */
    private static KeyedBroadcastOperatorTestHarness<Integer, RowBlock, ModelVersion, GradientBlock> localWorker(
            int localSteps, boolean overlap, OperatorSubtaskState state) throws Exception {
        return localWorker(SEED_MODEL, localSteps, overlap, state);
    }

    private static KeyedBroadcastOperatorTestHarness<Integer, RowBlock, ModelVersion, GradientBlock> localWorker(
            ModelSpec model, int localSteps, boolean overlap, OperatorSubtaskState state) throws Exception {
        var h = new KeyedBroadcastOperatorTestHarness<>(new CoBroadcastWithKeyedOperator<>(
                new ComputeGradients(List.of(model), false, BATCH, 1, 1, ComputeBackend.Choice.AUTO, 0, localSteps,
                        overlap),
                List.of(ComputeGradients.PARAMETERS)), new StreamtrainJob.ShardKey(), Types.INT,
                StreamtrainJob.MAX_PARALLELISM, 1, 0);
        if (state != null) {
            h.initializeState(state);
        }
        h.open();
        return h;
    }

    /** A replica of the seed model trained by hand: the job's network code and update rule, one block a step. */
    private static final class HandReplica {
        final Network net = Kernel.AUTO.create(SEED, DataType.FLOAT, BATCH);
        final double[] theta;
        final double[] state = new double[SEED_MODEL.updateRule().stateSize()];
        long step;
        double lossSum;
        long correct;

        HandReplica(double[] theta) {
            this.theta = theta.clone();
        }

        /** A replica at {@code parameters} that goes on with this one's optimizer state and step. */
        HandReplica movedTo(double[] parameters) {
            HandReplica moved = new HandReplica(parameters);
            System.arraycopy(state, 0, moved.state, 0, state.length);
            moved.step = step;
            return moved;
        }

        void train(RowBlock block) {
            net.setParameters(theta);
            double[] g = new double[theta.length];
            BatchStats s = net.gradient(block.features(), block.labels(), block.rows(), g);
            lossSum += s.lossSum();
            correct += s.correct();
            assertThat(SEED_MODEL.updateRule().apply(theta, g, block.rows(), state, ++step)).isTrue();
        }
    }

    @Test
    void theLocalModeSendsTheChangeOfAReplicaTrainedWithTheModelsRuleEveryLocalSteps() throws Exception {
        try (var h = localWorker(2, false, null)) {
            HandReplica hand = new HandReplica(INITIAL);
            h.processElement(block(1, 0), 0);
            assertThat(h.extractOutputValues()).as("one block of two trained, nothing to merge yet").isEmpty();
            h.processElement(block(1, 8), 0);
            hand.train(block(1, 0));
            hand.train(block(1, 8));
            List<GradientBlock> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            GradientBlock merge = out.get(0);
            double[] expected = new double[INITIAL.length];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = (hand.theta[i] - INITIAL[i]) * 2 * BATCH;
            }
            assertThat(merge.gradient()).containsExactly(expected);
            assertThat(merge.rows()).isEqualTo(2 * BATCH);
            assertThat(merge.lossSum()).isEqualTo(hand.lossSum);
            assertThat(merge.correct()).isEqualTo(hand.correct);
            assertThat(merge.rejected()).isEqualTo(2);
            assertThat(merge.baseVersion()).isZero();
            assertThat(merge.nextOffsets()).containsExactly(2 * BATCH);
            // and the replica moved: the change is not zero
            assertThat(Arrays.stream(expected).map(Math::abs).max().orElseThrow()).isGreaterThan(1e-4);
        }
    }

    @Test
    void withOverlapALocalReplicaTrainsOnWhileAMergeIsInFlightAndMovesOntoTheNextVersion() throws Exception {
        try (var h = localWorker(2, true, null)) {
            HandReplica hand = new HandReplica(INITIAL);
            for (int b = 0; b < 5; b++) {
                h.processElement(block(1, 8L * b), 0);
            }
            hand.train(block(1, 0));
            hand.train(block(1, 8));
            double[] sent = hand.theta.clone();
            hand.train(block(1, 16));
            hand.train(block(1, 24));
            // merge 1 in flight (max-in-flight 1): blocks 3 and 4 were trained, merge 2 is due, block 5 waits
            assertThat(h.extractOutputValues()).hasSize(1);

            // version 1 consumed merge 1: the replica moves onto it with its unsent progress
            double[] v1 = Arrays.stream(INITIAL).map(p -> p + 0.01).toArray();
            h.processBroadcastElement(version(0, 1, v1, 1, 1), 0);
            List<GradientBlock> out = h.extractOutputValues();
            assertThat(out).hasSize(2);
            GradientBlock merge2 = out.get(1);
            assertThat(merge2.baseVersion()).isEqualTo(1);
            assertThat(merge2.rows()).isEqualTo(2 * BATCH);
            for (int i = 0; i < INITIAL.length; i++) {
                assertThat(merge2.gradient()[i]).as("parameter %d", i)
                        .isCloseTo((hand.theta[i] - sent[i]) * 2 * BATCH, org.assertj.core.data.Offset.offset(1e-9));
            }
            // block 5 was trained on v1 plus the progress of blocks 3 and 4 (sent, so now the anchor)
            double[] moved = new double[INITIAL.length];
            for (int i = 0; i < INITIAL.length; i++) {
                moved[i] = v1[i] + (hand.theta[i] - sent[i]);
            }
            HandReplica after = hand.movedTo(moved);
            double[] anchor = after.theta.clone();
            after.train(block(1, 32));

            // the input ends: the last, partial merge waits for room, then goes before the end marker
            h.processElement(end(1), 0);
            assertThat(h.extractOutputValues()).hasSize(2);
            h.processBroadcastElement(version(0, 2, v1, 1, 2), 0);
            out = h.extractOutputValues();
            assertThat(out).extracting(GradientBlock::rows, GradientBlock::endOfInput)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(2 * BATCH, false),
                            org.assertj.core.groups.Tuple.tuple(2 * BATCH, false),
                            org.assertj.core.groups.Tuple.tuple(BATCH, false),
                            org.assertj.core.groups.Tuple.tuple(0, true));
            GradientBlock merge3 = out.get(2);
            for (int i = 0; i < INITIAL.length; i++) {
                assertThat(merge3.gradient()[i]).as("parameter %d", i)
                        .isCloseTo((after.theta[i] - anchor[i]) * BATCH, org.assertj.core.data.Offset.offset(1e-9));
            }
            assertThat(merge3.nextOffsets()).containsExactly(5 * BATCH);
        }
    }

    @Test
    void withoutOverlapALocalReplicaWaitsForTheVersionThatMergedItsChangeAndTrainsOnFromIt() throws Exception {
        try (var h = localWorker(2, false, null)) {
            HandReplica hand = new HandReplica(INITIAL);
            for (int b = 0; b < 4; b++) {
                h.processElement(block(1, 8L * b), 0);
            }
            hand.train(block(1, 0));
            hand.train(block(1, 8));
            // merge 1 in flight: blocks 3 and 4 wait untrained
            List<GradientBlock> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).rows()).isEqualTo(2 * BATCH);

            // a version that has not consumed merge 1 releases nothing
            double[] v1 = Arrays.stream(INITIAL).map(p -> p + 0.01).toArray();
            h.processBroadcastElement(version(0, 1, v1, 1, 0), 0);
            assertThat(h.extractOutputValues()).hasSize(1);

            // version 2 consumed it: blocks 3 and 4 train from exactly version 2, with the replica's optimizer state
            double[] v2 = Arrays.stream(INITIAL).map(p -> p - 0.02).toArray();
            h.processBroadcastElement(version(0, 2, v2, 1, 1), 0);
            HandReplica next = hand.movedTo(v2);
            next.train(block(1, 16));
            next.train(block(1, 24));
            out = h.extractOutputValues();
            assertThat(out).hasSize(2);
            GradientBlock merge2 = out.get(1);
            assertThat(merge2.baseVersion()).isEqualTo(2);
            assertThat(merge2.rows()).isEqualTo(2 * BATCH);
            for (int i = 0; i < INITIAL.length; i++) {
                assertThat(merge2.gradient()[i]).as("parameter %d", i)
                        .isCloseTo((next.theta[i] - v2[i]) * 2 * BATCH, org.assertj.core.data.Offset.offset(1e-9));
            }
            assertThat(merge2.nextOffsets()).containsExactly(4 * BATCH);

            // the input ends while merge 2 travels: the end marker waits for it too, then follows at once
            h.processElement(end(1), 0);
            assertThat(h.extractOutputValues()).hasSize(2);
            h.processBroadcastElement(version(0, 3, v2, 1, 2), 0);
            assertThat(h.extractOutputValues()).extracting(GradientBlock::rows, GradientBlock::endOfInput)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(2 * BATCH, false),
                            org.assertj.core.groups.Tuple.tuple(2 * BATCH, false),
                            org.assertj.core.groups.Tuple.tuple(0, true));
        }
    }

    @Test
    void aDrainedStopTrainsTheBlocksThatWaitedForAMergedVersionAndSendsTheRest() throws Exception {
        try (var h = localWorker(2, false, null)) {
            for (int b = 0; b < 3; b++) {
                h.processElement(block(1, 8L * b), 0);
            }
            h.processElement(end(1), 0);
            // merge 1 in flight, block 3 waits for the version that merges it
            assertThat(h.extractOutputValues()).extracting(GradientBlock::rows).containsExactly(2 * BATCH);
            // a drained stop ends both inputs: no version will come, the timer at the last watermark trains on
            h.processWatermark(Long.MAX_VALUE);
            h.processBroadcastWatermark(Long.MAX_VALUE);
            assertThat(h.extractOutputValues()).extracting(GradientBlock::rows, GradientBlock::endOfInput)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(2 * BATCH, false),
                            org.assertj.core.groups.Tuple.tuple(BATCH, false),
                            org.assertj.core.groups.Tuple.tuple(0, true));
        }
    }

    @Test
    void aLocalReplicaAndItsOptimizerStateSurviveARestore() throws Exception {
        // Adam: the moments of the first two steps shape the third
        ModelSpec adam = new ModelSpec("seed", SEED, INITIAL, new UpdateRule(SEED, new Adam(0.9, 0.999, 1e-8), 0.01, 0),
                "adam lr 0.01", "hash");
        OperatorSubtaskState checkpoint;
        List<GradientBlock> uninterrupted;
        try (var h = localWorker(adam, 3, false, null)) {
            h.processElement(block(1, 0), 0);
            h.processElement(block(1, 8), 0);
            checkpoint = h.snapshot(1, 1);
            h.processElement(block(1, 16), 0);
            uninterrupted = h.extractOutputValues();
        }
        assertThat(uninterrupted).hasSize(1);
        try (var restored = localWorker(adam, 3, false, checkpoint)) {
            restored.processElement(block(1, 16), 0);
            List<GradientBlock> out = restored.extractOutputValues();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).gradient()).containsExactly(uninterrupted.get(0).gradient());
            assertThat(out.get(0).rows()).isEqualTo(3 * BATCH);
            assertThat(out.get(0).lossSum()).isEqualTo(uninterrupted.get(0).lossSum());
            assertThat(out.get(0).nextOffsets()).containsExactly(3 * BATCH);
        }
    }
}
