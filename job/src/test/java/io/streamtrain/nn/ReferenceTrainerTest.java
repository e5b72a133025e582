package io.streamtrain.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** The seed experiments of the SQL reference, reproduced in memory by the reference trainer. */
class ReferenceTrainerTest {

    private static final Architecture SEED = Architecture.seed();

    /** x1, x2 ~ N(0, 1), y = [x1 + x2 > 0]. */
    static float[][] seedData(int rows, long seed) {
        float[] x = new float[2 * rows];
        float[] y = new float[rows];
        Random random = new Random(seed);
        for (int i = 0; i < rows; i++) {
            x[2 * i] = (float) random.nextGaussian();
            x[2 * i + 1] = (float) random.nextGaussian();
            y[i] = x[2 * i] + x[2 * i + 1] > 0 ? 1 : 0;
        }
        return new float[][] {x, y};
    }

    @Test
    void fullBatchGradientDescentMatchesTheSqlReference() {
        // the reference: 93% after 10 full-batch iterations, more than 99% after about 100
        float[][] train = seedData(1000, 1);
        float[][] holdout = seedData(10_000, 2);
        ReferenceTrainer trainer = new ReferenceTrainer(SEED, new UpdateRule(SEED, new Sgd(), 0.5, 1e-3),
                Initializer.HE.initialize(SEED, 7, 0), DataType.DOUBLE, 1000);
        for (int i = 0; i < 10; i++) {
            trainer.step(train[0], train[1], 1000);
        }
        double after10 = new ForwardPass(SEED, trainer.parameters()).accuracy(holdout[0], holdout[1], 10_000);
        for (int i = 10; i < 100; i++) {
            trainer.step(train[0], train[1], 1000);
        }
        double after100 = new ForwardPass(SEED, trainer.parameters()).accuracy(holdout[0], holdout[1], 10_000);
        assertThat(after10).isGreaterThanOrEqualTo(0.93);
        assertThat(after100).isGreaterThan(0.99);
        assertThat(trainer.steps()).isEqualTo(100);
    }

    @Test
    void onePassOfMiniBatchesReachesTheTarget() {
        float[][] train = seedData(100_000, 3);
        float[][] holdout = seedData(10_000, 4);
        int batch = 128;
        ReferenceTrainer trainer = new ReferenceTrainer(SEED, new UpdateRule(SEED, new Sgd(), 0.5, 1e-3),
                Initializer.HE.initialize(SEED, 7, 0), DataType.FLOAT, batch);
        for (int start = 0; start < 100_000; start += batch) {
            int rows = Math.min(batch, 100_000 - start);
            trainer.step(Arrays.copyOfRange(train[0], 2 * start, 2 * (start + rows)),
                    Arrays.copyOfRange(train[1], start, start + rows), rows);
        }
        assertThat(trainer.prequential().rows()).isEqualTo(100_000);
        assertThat(trainer.prequential().accuracy()).isGreaterThan(0.97);
        assertThat(new ForwardPass(SEED, trainer.parameters()).accuracy(holdout[0], holdout[1], 10_000))
                .isGreaterThanOrEqualTo(0.99);
    }

    @Test
    void accumulatedBatchesAreOneUpdateOverTheirUnion() {
        float[][] data = seedData(64, 5);
        double[] initial = Initializer.HE.initialize(SEED, 7, 0);
        ReferenceTrainer whole = new ReferenceTrainer(SEED, new UpdateRule(SEED, new Sgd(), 0.5, 1e-3), initial, DataType.DOUBLE, 64);
        ReferenceTrainer halves = new ReferenceTrainer(SEED, new UpdateRule(SEED, new Sgd(), 0.5, 1e-3), initial, DataType.DOUBLE, 64);
        whole.step(data[0], data[1], 64);
        halves.accumulate(Arrays.copyOfRange(data[0], 0, 64), Arrays.copyOfRange(data[1], 0, 32), 32);
        halves.accumulate(Arrays.copyOfRange(data[0], 64, 128), Arrays.copyOfRange(data[1], 32, 64), 32);
        halves.apply(64);
        double[] a = whole.parameters();
        double[] b = halves.parameters();
        for (int i = 0; i < a.length; i++) {
            assertThat(b[i]).isCloseTo(a[i], org.assertj.core.api.Assertions.within(1e-12));
        }
    }

    @Test
    void nonFiniteGradientIsRefusedAndLeavesParametersUnchanged() {
        UpdateRule rule = new UpdateRule(SEED, new Sgd(), 0.5, 1e-3);
        double[] theta = Initializer.HE.initialize(SEED, 7, 0);
        double[] before = theta.clone();
        double[] g = new double[theta.length];
        g[3] = Double.NaN;
        assertThat(rule.apply(theta, g, 10, new double[0], 1)).isFalse();
        assertThat(theta).containsExactly(before);
    }
}
