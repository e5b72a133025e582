package io.streamtrain.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

/** Checks every analytic gradient of {@link DenseNetwork} against central finite differences. */
class DenseNetworkGradientTest {

    private static final double STEP = 1e-6;
    private static final double TOLERANCE = 1e-6;
    private static final int ROWS = 7;

    static Stream<Arguments> networks() {
        List<Arguments> cases = new ArrayList<>();
        Object[][] heads = {
            {Activation.SOFTMAX, Loss.CROSS_ENTROPY, 3},
            {Activation.SIGMOID, Loss.MSE, 2},
            {Activation.SIGMOID, Loss.CROSS_ENTROPY, 3},
            {Activation.SIGMOID, Loss.CROSS_ENTROPY, 1},
            {Activation.IDENTITY, Loss.MSE, 2},
        };
        for (Activation hidden : new Activation[] {Activation.RELU, Activation.SIGMOID, Activation.TANH, Activation.IDENTITY}) {
            for (Object[] head : heads) {
                int outputs = (Integer) head[2];
                cases.add(Arguments.of(new Architecture(new int[] {4, 5, 3, outputs}, hidden, (Activation) head[0], (Loss) head[1])));
            }
        }
        // no hidden layer (softmax regression, the weights-as-tables reference; logistic and
        // linear regression): every head straight on the inputs
        for (Object[] head : heads) {
            cases.add(Arguments.of(new Architecture(new int[] {4, (Integer) head[2]}, Activation.RELU,
                    (Activation) head[0], (Loss) head[1])));
        }
        // one hidden layer of each activation under the PySpark reference's sigmoid + mse head
        for (Activation hidden : Activation.values()) {
            if (hidden != Activation.SOFTMAX) {
                cases.add(Arguments.of(new Architecture(new int[] {3, 4, 2}, hidden, Activation.SIGMOID, Loss.MSE)));
            }
        }
        cases.add(Arguments.of(Architecture.seed()));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void gradientMatchesFiniteDifferences(Architecture arch) {
        Random random = new Random(arch.hashCode());
        double[] theta = Initializer.XAVIER.initialize(arch, 11, 0);
        for (int i = 0; i < theta.length; i++) {
            theta[i] += 0.1 * random.nextGaussian(); // non-zero biases too
        }
        float[] x = new float[ROWS * arch.inputs()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        float[] labels = new float[ROWS * arch.labelWidth()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = arch.isClassifier() ? random.nextInt(arch.classes()) : (float) random.nextGaussian();
        }

        DenseNetwork network = new DenseNetwork(arch, DataType.DOUBLE, ROWS);
        network.setParameters(theta);
        double[] analytic = new double[theta.length];
        network.gradient(x, labels, ROWS, analytic);

        for (int i = 0; i < theta.length; i++) {
            double saved = theta[i];
            theta[i] = saved + STEP;
            network.setParameters(theta);
            double plus = network.score(x, labels, ROWS).lossSum();
            theta[i] = saved - STEP;
            network.setParameters(theta);
            double minus = network.score(x, labels, ROWS).lossSum();
            theta[i] = saved;
            double numeric = (plus - minus) / (2 * STEP);
            double scale = Math.max(1.0, Math.abs(numeric) + Math.abs(analytic[i]));
            assertThat(Math.abs(numeric - analytic[i]) / scale)
                    .as("parameter %d of %s: analytic %s, numeric %s", i, arch, analytic[i], numeric)
                    .isLessThan(TOLERANCE);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void partialBatchEqualsSameRowsAsFullBatch(Architecture arch) {
        double[] theta = Initializer.HE.initialize(arch, 3, 0);
        Random random = new Random(5);
        float[] x = new float[3 * arch.inputs()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        float[] labels = new float[3 * arch.labelWidth()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = arch.isClassifier() ? random.nextInt(arch.classes()) : (float) random.nextGaussian();
        }
        DenseNetwork big = new DenseNetwork(arch, DataType.DOUBLE, 16);
        DenseNetwork exact = new DenseNetwork(arch, DataType.DOUBLE, 3);
        big.setParameters(theta);
        exact.setParameters(theta);
        double[] g1 = new double[theta.length];
        double[] g2 = new double[theta.length];
        double loss1 = big.gradient(x, labels, 3, g1).lossSum();
        double loss2 = exact.gradient(x, labels, 3, g2).lossSum();
        assertThat(loss1).isEqualTo(loss2);
        assertThat(g1).containsExactly(g2);
    }
}
