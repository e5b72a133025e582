package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.compute.ComputeBackend;
import io.streamtrain.config.ModelSpec;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.connectors.record.ModelVersion;
import io.streamtrain.data.CsvRowFormat;
import io.streamtrain.data.RowFormat;
import io.streamtrain.data.RowSchema;
import io.streamtrain.data.SeedData;
import io.streamtrain.nn.Activation;
import io.streamtrain.nn.Architecture;
import io.streamtrain.nn.BatchStats;
import io.streamtrain.nn.Initializer;
import io.streamtrain.nn.Kernel;
import io.streamtrain.nn.Loss;
import io.streamtrain.nn.Network;
import io.streamtrain.nn.Sgd;
import io.streamtrain.nn.UpdateRule;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.windowing.assigners.GlobalWindows;
import org.apache.flink.streaming.api.windowing.windows.GlobalWindow;
import org.apache.flink.streaming.runtime.operators.windowing.WindowOperatorBuilder;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The parameter updater never lets a model become NaN: a block whose gradient is not finite is
 * refused on its own, an update that would overflow is refused whole, and a model whose loss
 * explodes (a learning rate of 1e6) is sent back to its last good parameters by the divergence guard.
 */
class ApplyOptimizerGuardTest {
    private static final Architecture SEED = Architecture.seed();
    private static final double[] INITIAL = Initializer.HE.initialize(SEED, 7, 0);
    private static final int ROWS = 64;

    private static ModelSpec seed(double learningRate) {
        return new ModelSpec("seed", SEED, INITIAL, new UpdateRule(SEED, new Sgd(), learningRate, 1e-3),
                "sgd lr " + learningRate, "h");
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, GradientBlock, ModelVersion> updater(ModelSpec model,
            int windowBlocks, DivergenceGuard guard) throws Exception {
        var builder = new WindowOperatorBuilder<GradientBlock, String, GlobalWindow>(GlobalWindows.create(),
                new UpdateTrigger(windowBlocks, 0), new ExecutionConfig(), TypeInformation.of(GradientBlock.class),
                new StreamtrainJob.ModelKey(), Types.STRING);
        var operator = builder.process(new ApplyOptimizer(List.of(model), -1, new SnapshotPolicy(0, 0), "rows", 1,
                guard));
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(operator, new StreamtrainJob.ModelKey(), Types.STRING);
        harness.setup();
        harness.open();
        return harness;
    }

    private static GradientBlock block(long baseVersion, double[] gradient, double lossSum, int k) {
        return new GradientBlock("seed", 0, 0, baseVersion, gradient, ROWS, lossSum, ROWS / 2, 0, false,
                new int[] {0}, new long[] {(long) (k + 1) * ROWS});
    }

    private static GradientBlock end() {
        return new GradientBlock("seed", 0, 0, 0, new double[0], 0, 0, 0, 0, true, new int[0], new long[0]);
    }

    private static double[] gradient(int k) {
        Random random = new Random(100 + k);
        double[] g = new double[SEED.parameterCount()];
        for (int i = 0; i < g.length; i++) {
            g[i] = random.nextGaussian() * ROWS;
        }
        return g;
    }

    private static ModelSnapshot finalSnapshot(KeyedOneInputStreamOperatorTestHarness<String, GradientBlock, ModelVersion> h) {
        List<ModelSnapshot> snapshots = h.getSideOutput(ApplyOptimizer.SNAPSHOTS).stream()
                .map(StreamRecord::getValue).filter(ModelSnapshot::last).toList();
        assertThat(snapshots).hasSize(1);
        return snapshots.get(0);
    }

    private static void assertFinite(double[] values) {
        for (double v : values) {
            assertThat(Double.isFinite(v)).as("finite: %s", Arrays.toString(values)).isTrue();
        }
    }

    @Test
    void aBlockWithANanGradientIsRefusedAndTheOtherBlocksOfItsWindowApplied() throws Exception {
        ModelSpec model = seed(0.1);
        var h = updater(model, 3, new DivergenceGuard(0, 1));
        double[] nan = gradient(1);
        nan[3] = Double.NaN;
        h.processElement(block(0, gradient(0), 0.7 * ROWS, 0), 0);
        h.processElement(block(0, nan, 0.7 * ROWS, 1), 0);
        h.processElement(block(0, gradient(2), Double.POSITIVE_INFINITY, 2), 0);
        h.processElement(end(), 0);

        // version 1 is the step on block 0 alone
        double[] expected = INITIAL.clone();
        model.updateRule().apply(expected, gradient(0), ROWS, new double[0], 1);
        List<ModelVersion> versions = h.extractOutputValues();
        ModelVersion v1 = versions.stream().filter(v -> v.version() == 1).findFirst().orElseThrow();
        assertThat(v1.parameters()).containsExactly(expected);
        ModelSnapshot last = finalSnapshot(h);
        assertThat(last.updatesRefused()).isEqualTo(2);
        assertThat(last.rowsTrained()).isEqualTo(ROWS);
        assertFinite(last.parameters());
        h.close();
    }

    @Test
    void anUpdateThatWouldOverflowIsRefusedWhole() throws Exception {
        // a finite gradient whose step, at this learning rate, is beyond Double.MAX_VALUE
        ModelSpec model = seed(1e300);
        var h = updater(model, 1, new DivergenceGuard(0, 1));
        double[] huge = new double[SEED.parameterCount()];
        Arrays.fill(huge, 1e300 * ROWS);
        h.processElement(block(0, huge, 0.7 * ROWS, 0), 0);
        h.processElement(end(), 0);
        List<ModelVersion> versions = h.extractOutputValues();
        assertThat(versions).allSatisfy(v -> assertThat(v.parameters()).containsExactly(INITIAL));
        ModelSnapshot last = finalSnapshot(h);
        assertThat(last.updatesRefused()).isEqualTo(1);
        assertThat(last.rowsTrained()).isZero();
        assertThat(last.optimizerStep()).isZero();
        h.close();
    }

    /** The result of training the seed network online, the workers played by this loop. */
    private record Run(List<ModelVersion> versions, ModelSnapshot last, double firstLoss, double lastLoss) {}

    /**
     * Trains the seed network for {@code windows} windows of one block each: every block's gradient
     * computed by the job's network on the newest version, as a gradient worker would.
     */
    private static Run train(double learningRate, int windows, DivergenceGuard guard) throws Exception {
        var h = updater(seed(learningRate), 1, guard);
        Network network = Kernel.AUTO.create(SEED, DataType.FLOAT, ROWS);
        SeedData data = new SeedData(42);
        float[] x = new float[2 * ROWS];
        float[] y = new float[ROWS];
        double[] g = new double[SEED.parameterCount()];
        double[] parameters = INITIAL;
        long version = 0;
        double firstLoss = Double.NaN;
        double lastLoss = Double.NaN;
        for (int k = 0; k < windows; k++) {
            for (int r = 0; r < ROWS; r++) {
                y[r] = data.row((long) k * ROWS + r, x, 2 * r);
            }
            network.setParameters(parameters);
            BatchStats stats = network.gradient(x, y, ROWS, g);
            if (k == 0) {
                firstLoss = stats.lossSum() / ROWS;
            }
            lastLoss = stats.lossSum() / ROWS;
            h.processElement(block(version, g.clone(), stats.lossSum(), k), 0);
            List<ModelVersion> out = h.extractOutputValues();
            ModelVersion newest = out.get(out.size() - 1);
            assertThat(newest.version()).isEqualTo(version + 1);
            version = newest.version();
            parameters = newest.parameters();
        }
        h.processElement(end(), 0);
        Run run = new Run(h.extractOutputValues(), finalSnapshot(h), firstLoss, lastLoss);
        h.close();
        return run;
    }

    @Test
    void aLearningRateThatBlowsUpIsCaughtAndTheModelStaysFinite() throws Exception {
        Run run = train(1e6, 40, new DivergenceGuard(10, 1));
        for (ModelVersion v : run.versions()) {
            assertFinite(v.parameters());
        }
        assertThat(run.last().divergences()).isGreaterThan(0);
        // version 1 is the diverged step; the window scored on it goes back to version 0's parameters
        assertThat(run.versions().get(0).parameters()).isNotEqualTo(INITIAL);
        assertThat(run.versions().get(1).parameters()).containsExactly(INITIAL);
        assertFinite(run.last().parameters());
    }

    @Test
    void withoutTheGuardTheSameLearningRateEndsFarAboveTheStartingLoss() throws Exception {
        Run run = train(1e6, 40, new DivergenceGuard(0, 1));
        assertThat(run.last().divergences()).isZero();
        assertThat(run.lastLoss()).isGreaterThan(10 * run.firstLoss());
    }

    @Test
    void normalTrainingNeverFiresTheGuard() throws Exception {
        Run run = train(0.1, 300, new DivergenceGuard(10, 1));
        assertThat(run.last().divergences()).isZero();
        assertThat(run.last().updatesRefused()).isZero();
        assertThat(run.last().rowsTrained()).isEqualTo(300L * ROWS);
        assertThat(run.lastLoss()).isLessThan(run.firstLoss());
    }

    /**
     * A row within data.max-abs-value (raised to the largest float, 3.4e38) whose values overflow
     * float32 in the forward pass of a network large enough for the ND4J kernel: the worker's
     * block is not finite, and the updater refuses it alone. (The plain-Java kernel of small
     * networks computes in double, where such a row stays finite.)
     */
    @Test
    void aRowThatOverflowsFloat32InTheWorkerIsRefusedByTheUpdater() throws Exception {
        Architecture wide = new Architecture(new int[] {2, 128, 2}, Activation.RELU, Activation.SOFTMAX,
                Loss.CROSS_ENTROPY);
        assertThat(Kernel.AUTO.resolve(wide)).isEqualTo(Kernel.ND4J);
        double[] initial = Initializer.HE.initialize(wide, 7, 0);
        ModelSpec model = new ModelSpec("seed", wide, initial, new UpdateRule(wide, new Sgd(), 0.1, 0), "sgd lr 0.1",
                "h");
        RowFormat csv = CsvRowFormat.positional(new RowSchema(2, 1, 2, List.of(), 1.0, Float.MAX_VALUE, 1000));
        float[] x = new float[2 * ROWS];
        float[] y = new float[ROWS];
        SeedData data = new SeedData(5);
        for (int r = 1; r < ROWS; r++) {
            y[r] = data.row(r, x, 2 * r);
        }
        assertThat(csv.parse("3e38,3e38,0".getBytes(StandardCharsets.UTF_8), x, 0, y, 0)).isNull();
        float[] good = new float[2 * ROWS];
        float[] goodLabels = new float[ROWS];
        for (int r = 0; r < ROWS; r++) {
            goodLabels[r] = data.row(ROWS + r, good, 2 * r);
        }
        var worker = ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(
                new ComputeGradients(List.of(model), false, ROWS, 2, 1, ComputeBackend.Choice.AUTO),
                new StreamtrainJob.ShardKey(), Types.INT, ComputeGradients.PARAMETERS);
        worker.processElement(new RowBlock(0, ROWS, 0, x, y, new int[] {0}, new long[] {ROWS}, false), 0);
        worker.processElement(new RowBlock(0, ROWS, 0, good, goodLabels, new int[] {0}, new long[] {2 * ROWS}, false), 0);
        List<GradientBlock> blocks = worker.extractOutputValues();
        worker.close();
        assertThat(blocks).hasSize(2);
        GradientBlock overflowed = blocks.get(0);
        boolean finite = Double.isFinite(overflowed.lossSum())
                && Arrays.stream(overflowed.gradient()).allMatch(Double::isFinite);
        assertThat(finite).as("the row of 3e38s overflows float32 in the worker").isFalse();

        var h = updater(model, 2, new DivergenceGuard(10, 1));
        h.processElement(blocks.get(0), 0);
        h.processElement(blocks.get(1), 0);
        h.processElement(end(), 0);
        double[] expected = initial.clone();
        model.updateRule().apply(expected, blocks.get(1).gradient().clone(), ROWS, new double[0], 1);
        ModelSnapshot last = finalSnapshot(h);
        assertThat(last.parameters()).containsExactly(expected);
        assertThat(last.updatesRefused()).isEqualTo(1);
        assertThat(last.rowsTrained()).isEqualTo(ROWS);
        h.close();
    }
}
