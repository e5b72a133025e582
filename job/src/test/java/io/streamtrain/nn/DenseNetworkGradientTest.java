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

/**
 * Checks every analytic gradient of both network implementations ({@link DenseNetwork} on ND4J,
 * {@link JavaNetwork} in plain Java) against central finite differences, and the two against each
 * other.
 */
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

    static Stream<Arguments> networksAndKernels() {
        return networks().flatMap(a -> Stream.of(Arguments.of(a.get()[0], "nd4j"), Arguments.of(a.get()[0], "java")));
    }

    static Network network(Architecture arch, String kernel, int capacity) {
        return kernel.equals("java") ? new JavaNetwork(arch, capacity) : new DenseNetwork(arch, DataType.DOUBLE, capacity);
    }

    @ParameterizedTest(name = "{1} {0}")
    @MethodSource("networksAndKernels")
    void gradientMatchesFiniteDifferences(Architecture arch, String kernel) {
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

        Network network = network(arch, kernel, ROWS);
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

    @ParameterizedTest(name = "{1} {0}")
    @MethodSource("networksAndKernels")
    void partialBatchEqualsSameRowsAsFullBatch(Architecture arch, String kernel) {
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
        Network big = network(arch, kernel, 16);
        Network exact = network(arch, kernel, 3);
        big.setParameters(theta);
        exact.setParameters(theta);
        double[] g1 = new double[theta.length];
        double[] g2 = new double[theta.length];
        double loss1 = big.gradient(x, labels, 3, g1).lossSum();
        double loss2 = exact.gradient(x, labels, 3, g2).lossSum();
        assertThat(loss1).isEqualTo(loss2);
        assertThat(g1).containsExactly(g2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void javaAndNd4jAgree(Architecture arch) {
        double[] theta = Initializer.HE.initialize(arch, 13, 0);
        Random random = new Random(17);
        int rows = 33;
        float[] x = new float[rows * arch.inputs()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        float[] labels = new float[rows * arch.labelWidth()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = arch.isClassifier() ? random.nextInt(arch.classes()) : (float) random.nextGaussian();
        }
        Network java = network(arch, "java", rows);
        Network nd4j = network(arch, "nd4j", rows);
        java.setParameters(theta);
        nd4j.setParameters(theta);
        double[] g1 = new double[theta.length];
        double[] g2 = new double[theta.length];
        BatchStats s1 = java.gradient(x, labels, rows, g1);
        double loss1 = s1.lossSum();
        long correct1 = s1.correct();
        BatchStats s2 = nd4j.gradient(x, labels, rows, g2);
        assertThat(loss1).isCloseTo(s2.lossSum(), org.assertj.core.data.Offset.offset(1e-9 * Math.max(1, Math.abs(loss1))));
        assertThat(correct1).isEqualTo(s2.correct());
        for (int i = 0; i < g1.length; i++) {
            assertThat(g1[i]).as("parameter %d", i).isCloseTo(g2[i], org.assertj.core.data.Offset.offset(1e-9 * Math.max(1, Math.abs(g1[i]))));
        }
        double[] o1 = new double[rows * arch.outputs()];
        double[] o2 = new double[rows * arch.outputs()];
        java.predict(x, rows, o1);
        nd4j.predict(x, rows, o2);
        for (int i = 0; i < o1.length; i++) {
            assertThat(o1[i]).isCloseTo(o2[i], org.assertj.core.data.Offset.offset(1e-12));
        }
    }
}
