package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.config.ModelSpec;
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
 * Adam's and momentum's moments bit for bit, as if it had never stopped.
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
        var builder = new WindowOperatorBuilder<GradientBlock, String, GlobalWindow>(GlobalWindows.create(),
                new UpdateTrigger(1, 0), new ExecutionConfig(), TypeInformation.of(GradientBlock.class),
                new StreamtrainJob.ModelKey(), Types.STRING);
        var operator = builder.process(new ApplyOptimizer(MODELS, -1, new SnapshotPolicy(0, 0), "rows", 1));
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
        UpdateRule rule = model.updateRule();
        double[] theta = INITIAL.clone();
        double[] state = new double[rule.stateSize()];
        List<double[]> out = new ArrayList<>();
        for (int k = 0; k < steps; k++) {
            rule.apply(theta, gradient(k), ROWS, state, k + 1);
            out.add(theta.clone());
        }
        return out;
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
