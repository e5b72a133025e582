package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.config.ModelSpec;
import io.streamtrain.config.StartPoint;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.connectors.record.ModelVersion;
import io.streamtrain.nn.Adam;
import io.streamtrain.nn.Architecture;
import io.streamtrain.nn.Initializer;
import io.streamtrain.nn.Momentum;
import io.streamtrain.nn.UpdateRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.windowing.assigners.GlobalWindows;
import org.apache.flink.streaming.api.windowing.windows.GlobalWindow;
import org.apache.flink.streaming.runtime.operators.windowing.WindowOperatorBuilder;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The parameter updater's optimizer state lives in Flink state: a restored updater continues
 * Adam's and momentum's moments bit for bit, as if it had never stopped; a warm-started model
 * continues from its start point's parameters, moments and step in the same way.
 */
class ApplyOptimizerRestoreTest {
    private static final Architecture SEED = Architecture.seed();
    private static final double[] INITIAL = Initializer.HE.initialize(SEED, 7, 0);
    private static final int ROWS = 8;
    private static final int BEFORE = 3;
    private static final int AFTER = 5;
    private static final List<ModelSpec> MODELS = List.of(
            new ModelSpec("adam", SEED, INITIAL, new UpdateRule(SEED, new Adam(0.9, 0.999, 1e-8), 0.01, 1e-3),
                    "adam lr 0.01", "h1"),
            new ModelSpec("momentum", SEED, INITIAL, new UpdateRule(SEED, new Momentum(0.9, true), 0.05, 0),
                    "nesterov lr 0.05", "h2"));

    /** The updater as the job builds it: keyed by model, a window per model, one block per step. */
    private static KeyedOneInputStreamOperatorTestHarness<String, GradientBlock, ModelVersion> updater()
            throws Exception {
        return updater(MODELS);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, GradientBlock, ModelVersion> updater(
            List<ModelSpec> models) throws Exception {
        return updater(models, -1);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, GradientBlock, ModelVersion> updater(
            List<ModelSpec> models, long maxStaleness) throws Exception {
        var builder = new WindowOperatorBuilder<GradientBlock, String, GlobalWindow>(GlobalWindows.create(),
                new UpdateTrigger(1, 0), new ExecutionConfig(), TypeInformation.of(GradientBlock.class),
                new StreamtrainJob.ModelKey(), Types.STRING);
        var operator = builder.process(new ApplyOptimizer(models, maxStaleness, new SnapshotPolicy(0, 0), "rows", 1));
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(operator, new StreamtrainJob.ModelKey(), Types.STRING);
        harness.setup();
        return harness;
    }

    /** Block k's summed gradient: seeded, the same for every run. */
    private static double[] gradient(int k) {
        Random random = new Random(1000 + k);
        double[] g = new double[SEED.parameterCount()];
        for (int i = 0; i < g.length; i++) {
            g[i] = random.nextGaussian() * ROWS;
        }
        return g;
    }

    private static GradientBlock block(String model, int k) {
        return new GradientBlock(model, 0, 0, k, gradient(k), ROWS, 0.5 * ROWS, ROWS / 2, 0, false, new int[] {0},
                new long[] {(long) (k + 1) * ROWS});
    }

    private static void feed(KeyedOneInputStreamOperatorTestHarness<String, GradientBlock, ModelVersion> h, int from,
            int to) throws Exception {
        for (int k = from; k < to; k++) {
            for (ModelSpec m : MODELS) {
                h.processElement(block(m.id(), k), 0);
            }
        }
    }

    private static List<ModelVersion> versions(
            KeyedOneInputStreamOperatorTestHarness<String, GradientBlock, ModelVersion> h, String model) {
        return h.extractOutputValues().stream().filter(v -> v.model().equals(model)).toList();
    }

    /** Parameters after each of the first {@code steps} blocks, by the update rule alone, one state throughout. */
    private static List<double[]> reference(ModelSpec model, int steps) {
        return reference(model, steps, new double[model.updateRule().stateSize()]);
    }

    /** {@link #reference(ModelSpec, int)}, leaving the optimizer state after the last step in {@code state}. */
    private static List<double[]> reference(ModelSpec model, int steps, double[] state) {
        UpdateRule rule = model.updateRule();
        double[] theta = INITIAL.clone();
        List<double[]> out = new ArrayList<>();
        for (int k = 0; k < steps; k++) {
            rule.apply(theta, gradient(k), ROWS, state, k + 1);
            out.add(theta.clone());
        }
        return out;
    }

    private static GradientBlock end(String model) {
        return new GradientBlock(model, 0, 0, 0, new double[0], 0, 0, 0, 0, true, new int[0], new long[0]);
    }

    @Test
    void aWarmStartedModelContinuesFromItsStartPointNextToAColdOne() throws Exception {
        // "adam" starts from what it had after BEFORE steps, stored as version 40 of generation 2;
        // "momentum" starts cold
        ModelSpec adam = MODELS.get(0);
        double[] state = new double[adam.updateRule().stateSize()];
        List<double[]> reference = reference(adam, BEFORE + AFTER);
        List<double[]> stored = reference(adam, BEFORE, state);
        StartPoint start = new StartPoint(2, 40, BEFORE, stored.get(BEFORE - 1), state, "adam", 12);
        List<ModelSpec> models = List.of(adam.withStart(start), MODELS.get(1));
        OperatorSubtaskState checkpoint;
        try (var h = updater(models)) {
            h.open();
            for (int k = 0; k < AFTER; k++) {
                h.processElement(block("adam", BEFORE + k), 0);
                h.processElement(block("momentum", k), 0);
            }
            List<ModelVersion> warm = versions(h, "adam");
            assertThat(warm).extracting(ModelVersion::version).containsExactly(41L, 42L, 43L, 44L, 45L);
            for (int i = 0; i < AFTER; i++) {
                assertThat(warm.get(i).generation()).isEqualTo(2);
                // bit for bit the steps it would have taken had it never stopped
                assertThat(warm.get(i).parameters()).containsExactly(reference.get(BEFORE + i));
                assertThat(warm.get(i).rowsTrained()).isEqualTo((long) (i + 1) * ROWS); // counters start again
            }
            List<ModelVersion> cold = versions(h, "momentum");
            assertThat(cold).extracting(ModelVersion::version).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(cold).allSatisfy(v -> assertThat(v.generation()).isZero());
            assertThat(cold.get(AFTER - 1).parameters()).containsExactly(reference(MODELS.get(1), AFTER).get(AFTER - 1));

            h.processElement(end("adam"), 0);
            h.processElement(end("momentum"), 0);
            List<ModelSnapshot> snapshots = h.getSideOutput(ApplyOptimizer.SNAPSHOTS).stream()
                    .map(r -> r.getValue()).toList();
            assertThat(snapshots).extracting(ModelSnapshot::model).containsExactly("adam", "momentum");
            ModelSnapshot a = snapshots.get(0);
            assertThat(a.version()).isEqualTo(45);
            assertThat(a.optimizerStep()).isEqualTo(BEFORE + AFTER);
            assertThat(a.parentModel()).isEqualTo("adam");
            assertThat(a.parentVersion()).isEqualTo(12);
            assertThat(a.optimizer()).isEqualTo("adam");
            double[] after = new double[state.length];
            reference(adam, BEFORE + AFTER, after);
            assertThat(a.optimizerState()).containsExactly(after);
            ModelSnapshot m = snapshots.get(1);
            assertThat(m.parentModel()).isNull();
            assertThat(m.parentVersion()).isEqualTo(-1);
            assertThat(m.optimizerStep()).isEqualTo(AFTER);
            checkpoint = h.snapshot(1, 0);
        }
        // a restore raises every model's generation past all that were published
        try (var restored = updater(models)) {
            restored.initializeState(checkpoint);
            restored.open();
            restored.processElement(block("adam", BEFORE + AFTER), 0);
            restored.processElement(block("momentum", AFTER), 0);
            assertThat(restored.extractOutputValues()).extracting(ModelVersion::model, ModelVersion::generation,
                    ModelVersion::version).containsExactly(org.assertj.core.groups.Tuple.tuple("adam", 3L, 46L),
                    org.assertj.core.groups.Tuple.tuple("momentum", 3L, 6L));
        }
    }

    @Test
    void aRestoredUpdaterContinuesTheOptimizerStateBitForBit() throws Exception {
        OperatorSubtaskState checkpoint;
        List<ModelVersion> uninterrupted = new ArrayList<>();
        try (var h = updater()) {
            h.open();
            feed(h, 0, BEFORE);
            checkpoint = h.snapshot(1, 0);
            feed(h, BEFORE, BEFORE + AFTER);
            uninterrupted.addAll(h.extractOutputValues());
        }
        try (var restored = updater()) {
            restored.initializeState(checkpoint);
            restored.open();
            feed(restored, BEFORE, BEFORE + AFTER);
            for (ModelSpec m : MODELS) {
                List<ModelVersion> before = uninterrupted.stream().filter(v -> v.model().equals(m.id())).toList();
                List<ModelVersion> after = versions(restored, m.id());
                List<double[]> reference = reference(m, BEFORE + AFTER);
                assertThat(before).hasSize(BEFORE + AFTER);
                assertThat(after).hasSize(AFTER);
                for (int i = 0; i < AFTER; i++) {
                    ModelVersion a = before.get(BEFORE + i);
                    ModelVersion b = after.get(i);
                    // the same numbers, a new timeline: the generation says it was restored
                    assertThat(b.version()).isEqualTo(a.version()).isEqualTo(BEFORE + i + 1);
                    assertThat(a.generation()).isZero();
                    assertThat(b.generation()).isEqualTo(1);
                    assertThat(b.parameters()).as("%s version %d", m.id(), b.version()).containsExactly(a.parameters());
                    assertThat(b.parameters()).containsExactly(reference.get(BEFORE + i));
                    assertThat(b.rowsTrained()).isEqualTo(a.rowsTrained()).isEqualTo((long) (BEFORE + i + 1) * ROWS);
                }
            }
        }
    }

    @Test
    void aBlockComputedOnAReplayedVersionAheadOfTheRestoredOneIsAppliedNotDropped() throws Exception {
        // after a restore to version BEFORE, a worker may still compute on a version of the old
        // timeline that the topic replays (generation 0, version BEFORE + 2) before the new
        // generation's first one arrives: with a staleness bound of 0 its rows must still be trained
        ModelSpec adam = MODELS.get(0);
        OperatorSubtaskState checkpoint;
        try (var h = updater(List.of(adam), 0)) {
            h.open();
            for (int k = 0; k < BEFORE; k++) {
                h.processElement(block(adam.id(), k), 0);
            }
            checkpoint = h.snapshot(1, 0);
        }
        try (var restored = updater(List.of(adam), 0)) {
            restored.initializeState(checkpoint);
            restored.open();
            restored.processElement(block(adam.id(), BEFORE + 2), 0);
            ModelVersion v = versions(restored, adam.id()).get(0);
            assertThat(v.generation()).isEqualTo(1);
            assertThat(v.version()).isEqualTo(BEFORE + 1);
            assertThat(v.rowsTrained()).isEqualTo((long) (BEFORE + 1) * ROWS);
            // and counted as fresh, not as -2 versions stale
            restored.processElement(end(adam.id()), 0);
            ModelSnapshot last = restored.getSideOutput(ApplyOptimizer.SNAPSHOTS).stream()
                    .map(r -> r.getValue()).filter(ModelSnapshot::last).findFirst().orElseThrow();
            assertThat(last.blocksDropped()).isZero();
            assertThat(last.stalenessMean()).isZero();
            assertThat(last.stalenessMax()).isZero();
        }
    }

    @Test
    void losingTheOptimizerStateWouldShowInTheParameters() {
        // what a restore that kept only the parameters would compute: the same step from zero moments
        for (ModelSpec m : MODELS) {
            List<double[]> reference = reference(m, BEFORE + 1);
            double[] theta = reference.get(BEFORE - 1).clone();
            m.updateRule().apply(theta, gradient(BEFORE), ROWS, new double[m.updateRule().stateSize()], BEFORE + 1);
            assertThat(theta).as(m.id()).isNotEqualTo(reference.get(BEFORE));
        }
    }
}
