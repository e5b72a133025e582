package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamtrain.config.ModelSpec;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.data.SeedData;
import io.streamtrain.nn.Activation;
import io.streamtrain.nn.Architecture;
import io.streamtrain.nn.DenseNetwork;
import io.streamtrain.nn.ForwardPass;
import io.streamtrain.nn.Initializer;
import io.streamtrain.nn.Loss;
import io.streamtrain.nn.Sgd;
import io.streamtrain.nn.UpdateRule;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** The held-out evaluator in an operator harness, with real keyed and broadcast state. */
class EvaluateHoldoutTest {
    private static final int BATCH = 8;
    private static final int BLOCKS = 3;
    private static final Architecture SEED = Architecture.seed();
    private static final Architecture SOFTMAX = new Architecture(new int[] {2, 2}, Activation.RELU, Activation.SOFTMAX,
            Loss.CROSS_ENTROPY);
    private static final List<ModelSpec> MODELS = List.of(spec("seed", SEED), spec("softmax", SOFTMAX));

    private static ModelSpec spec(String id, Architecture arch) {
        return new ModelSpec(id, arch, Initializer.HE.initialize(arch, 7, 0), new UpdateRule(arch, new Sgd(), 0.1, 0),
                "sgd lr 0.1", "hash");
    }

    private static KeyedBroadcastOperatorTestHarness<String, ModelSnapshot, RowBlock, ModelSnapshot> harness()
            throws Exception {
        KeyedBroadcastOperatorTestHarness<String, ModelSnapshot, RowBlock, ModelSnapshot> h =
                new KeyedBroadcastOperatorTestHarness<>(new CoBroadcastWithKeyedOperator<>(
                        new EvaluateHoldout(MODELS, BATCH, 1),
                        List.of(EvaluateHoldout.HOLDOUT_ROWS, EvaluateHoldout.HOLDOUT_ENDS)),
                        new StreamtrainJob.SnapshotKey(), Types.STRING, 1, 1, 0);
        h.setup();
        return h;
    }

    /** Held-out block i: seed held-out rows [8i, 8i+8) of partition 0. */
    private static RowBlock block(int i) {
        float[] x = new float[2 * BATCH];
        float[] y = new float[BATCH];
        SeedData data = SeedData.holdout(42);
        for (int r = 0; r < BATCH; r++) {
            y[r] = data.row((long) i * BATCH + r, x, 2 * r);
        }
        return new RowBlock(0, BATCH, 0, x, y, new int[] {0}, new long[] {(long) (i + 1) * BATCH}, false);
    }

    private static final RowBlock END = new RowBlock(0, 0, 0, new float[0], new float[0], new int[0], new long[0], true);

    private static ModelSnapshot snapshot(String model, Architecture arch, long version, double[] parameters) {
        return new ModelSnapshot(model, 0, version, false, 0, 100, 0, 0.5, 0.9, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, 0.1, 0, 0, 0, 0, spec(model, arch).networkSpec().toJson(), arch.sizes(), "hash",
                "rows:0=100", parameters);
    }

    private static double[] parameters(Architecture arch, long seed) {
        return Initializer.XAVIER.initialize(arch, seed, 0);
    }

    /** The scores of {@code parameters} on every held-out row, from the plain-Java scorer. */
    private static void assertScored(ModelSnapshot s, Architecture arch, double[] parameters) {
        ForwardPass pass = new ForwardPass(arch, parameters);
        long tp = 0;
        long fp = 0;
        long fn = 0;
        long correct = 0;
        double lossSum = 0;
        DenseNetwork network = new DenseNetwork(arch, DataType.DOUBLE, BATCH);
        network.setParameters(parameters);
        for (int i = 0; i < BLOCKS; i++) {
            RowBlock b = block(i);
            lossSum += network.score(b.features(), b.labels(), BATCH).lossSum();
            for (int r = 0; r < BATCH; r++) {
                int predicted = pass.predict(b.features(), 2 * r);
                int actual = (int) b.labels()[r];
                correct += predicted == actual ? 1 : 0;
                tp += predicted == 1 && actual == 1 ? 1 : 0;
                fp += predicted == 1 && actual == 0 ? 1 : 0;
                fn += predicted == 0 && actual == 1 ? 1 : 0;
            }
        }
        int rows = BLOCKS * BATCH;
        assertThat(s.holdoutAccuracy()).isEqualTo((double) correct / rows);
        assertThat(s.holdoutLoss()).isCloseTo(lossSum / rows, within(1e-12));
        // NaN (no positive predicted) compares equal to NaN here
        assertThat(s.holdoutPrecision()).usingComparator(Double::compare)
                .isEqualTo(tp + fp == 0 ? Double.NaN : (double) tp / (tp + fp));
        assertThat(s.holdoutRecall()).isEqualTo((double) tp / (tp + fn));
        assertThat(s.holdoutF1()).isEqualTo(2.0 * tp / (2 * tp + fp + fn));
        // everything else passes through unchanged
        assertThat(s.parameters()).containsExactly(parameters);
        assertThat(s.rowsTrained()).isEqualTo(100);
        assertThat(s.prequentialAccuracy()).isEqualTo(0.9);
    }

    @Test
    void snapshotsWaitForTheWholeHeldOutSetThenPassInOrder() throws Exception {
        try (var h = harness()) {
            h.open();
            double[] s1 = parameters(SEED, 1);
            double[] s2 = parameters(SEED, 2);
            double[] t1 = parameters(SOFTMAX, 3);
            h.processElement(snapshot("seed", SEED, 100, s1), 0);
            h.processBroadcastElement(block(0), 0);
            h.processElement(snapshot("softmax", SOFTMAX, 100, t1), 0);
            h.processElement(snapshot("seed", SEED, 200, s2), 0);
            h.processBroadcastElement(block(1), 0);
            h.processBroadcastElement(block(2), 0);
            assertThat(h.extractOutputValues()).isEmpty();

            h.processBroadcastElement(END, 0);
            List<ModelSnapshot> out = h.extractOutputValues();
            assertThat(out).extracting(ModelSnapshot::model, ModelSnapshot::version)
                    .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("seed", 100L),
                            org.assertj.core.groups.Tuple.tuple("seed", 200L),
                            org.assertj.core.groups.Tuple.tuple("softmax", 100L));
            // a model's snapshots keep their order
            assertThat(out).filteredOn(s -> s.model().equals("seed")).extracting(ModelSnapshot::version)
                    .containsExactly(100L, 200L);
            assertScored(out.stream().filter(s -> s.model().equals("seed") && s.version() == 100).findFirst()
                    .orElseThrow(), SEED, s1);
            assertScored(out.stream().filter(s -> s.model().equals("seed") && s.version() == 200).findFirst()
                    .orElseThrow(), SEED, s2);
            assertScored(out.stream().filter(s -> s.model().equals("softmax")).findFirst().orElseThrow(), SOFTMAX, t1);

            // once complete, a snapshot is scored at once
            double[] t2 = parameters(SOFTMAX, 4);
            h.processElement(snapshot("softmax", SOFTMAX, 200, t2), 0);
            assertThat(h.extractOutputValues()).hasSize(4);
            assertScored(h.extractOutputValues().get(3), SOFTMAX, t2);
        }
    }

    @Test
    void heldOutRowsAndWaitingSnapshotsSurviveARestore() throws Exception {
        double[] s1 = parameters(SEED, 1);
        OperatorSubtaskState checkpoint;
        try (var h = harness()) {
            h.open();
            h.processBroadcastElement(block(0), 0);
            h.processBroadcastElement(block(1), 0);
            h.processElement(snapshot("seed", SEED, 100, s1), 0);
            checkpoint = h.snapshot(1, 0);
        }
        try (var restored = harness()) {
            restored.initializeState(checkpoint);
            restored.open();
            assertThat(restored.getBroadcastState(EvaluateHoldout.HOLDOUT_ROWS).immutableEntries()).hasSize(2);
            restored.processBroadcastElement(block(2), 0);
            assertThat(restored.extractOutputValues()).isEmpty();
            restored.processBroadcastElement(END, 0);
            assertThat(restored.extractOutputValues()).singleElement()
                    .satisfies(s -> assertScored(s, SEED, s1));
        }
    }

    @Test
    void anEmptyHeldOutSetLeavesTheScoresUnknown() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processBroadcastElement(END, 0);
            h.processElement(snapshot("seed", SEED, 100, parameters(SEED, 1)), 0);
            assertThat(h.extractOutputValues()).singleElement().satisfies(s -> {
                assertThat(s.holdoutAccuracy()).isNaN();
                assertThat(s.holdoutLoss()).isNaN();
                assertThat(s.holdoutPrecision()).isNaN();
            });
        }
    }

    @Test
    void blocksWithoutRowsAreNotKept() throws Exception {
        try (var h = harness()) {
            h.open();
            RowBlock rejectedOnly = new RowBlock(0, 0, 3, new float[0], new float[0], new int[] {0}, new long[] {3},
                    false);
            h.processBroadcastElement(rejectedOnly, 0);
            h.processBroadcastElement(block(0), 0);
            assertThat(h.getBroadcastState(EvaluateHoldout.HOLDOUT_ROWS).immutableEntries())
                    .extracting(e -> e.getKey()).containsExactly("0:8");
        }
    }
}
