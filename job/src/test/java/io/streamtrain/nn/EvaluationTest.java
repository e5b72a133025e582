package io.streamtrain.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** Held-out scores against a confusion matrix counted by hand. */
class EvaluationTest {
    /** Softmax regression that predicts class 1 exactly when x0 > 0: z = (-x0, x0). */
    private static final Architecture SIGN = new Architecture(new int[] {2, 2}, Activation.RELU, Activation.SOFTMAX,
            Loss.CROSS_ENTROPY);
    private static final double[] SIGN_PARAMETERS = {-1, 1, 0, 0, 0, 0};

    //                                    predicted: 1  1   0   0  1
    private static final float[] X = {1, 0, 2, 0, -1, 0, -2, 0, 3, 0};
    private static final float[] Y = {1, 0, 0, 1, 1};

    private static Evaluation evaluate(Architecture arch, double[] parameters, float[] x, float[] y, int... batches) {
        DenseNetwork network = new DenseNetwork(arch, DataType.DOUBLE, 2);
        network.setParameters(parameters);
        Evaluation evaluation = new Evaluation(arch);
        int from = 0;
        for (int rows : batches) {
            float[] bx = java.util.Arrays.copyOfRange(x, from * arch.inputs(), (from + rows) * arch.inputs());
            float[] by = java.util.Arrays.copyOfRange(y, from, from + rows);
            network.evaluate(bx, by, rows, evaluation);
            from += rows;
        }
        return evaluation;
    }

    @Test
    void twoClassScoresFollowTheConfusionMatrix() {
        // TP = rows 0 and 4, FP = row 1, FN = row 3, TN = row 2
        Evaluation e = evaluate(SIGN, SIGN_PARAMETERS, X, Y, 2, 2, 1);
        assertThat(e.rows()).isEqualTo(5);
        assertThat(e.confusion(1, 1)).isEqualTo(2);
        assertThat(e.confusion(0, 1)).isEqualTo(1);
        assertThat(e.confusion(1, 0)).isEqualTo(1);
        assertThat(e.confusion(0, 0)).isEqualTo(1);
        assertThat(e.accuracy()).isEqualTo(3.0 / 5);
        assertThat(e.precision()).isEqualTo(2.0 / 3);
        assertThat(e.recall()).isEqualTo(2.0 / 3);
        assertThat(e.f1()).isEqualTo(4.0 / 6);
        // the loss is the mean of the rows' cross-entropies, log(1 + e^{-2 z_y})
        double expected = 0;
        for (int r = 0; r < 5; r++) {
            double margin = Y[r] == 1 ? X[2 * r] : -X[2 * r];
            expected += Math.log1p(Math.exp(-2 * margin));
        }
        assertThat(e.loss()).isCloseTo(expected / 5, within(1e-12));
        // the same as ForwardPass, the scorer of stored snapshots
        assertThat(e.accuracy()).isEqualTo(new ForwardPass(SIGN, SIGN_PARAMETERS).accuracy(X, Y, 5));
    }

    @Test
    void aRatioWithoutADenominatorIsUnknownNotZero() {
        // every row predicted 0: no precision yet; recall and F1 are 0
        float[] negative = {-1, 0, -2, 0};
        Evaluation e = evaluate(SIGN, SIGN_PARAMETERS, negative, new float[] {1, 0}, 2);
        assertThat(e.precision()).isNaN();
        assertThat(e.recall()).isZero();
        assertThat(e.f1()).isZero();
        assertThat(new Evaluation(SIGN).accuracy()).isNaN();
        assertThat(new Evaluation(SIGN).loss()).isNaN();
    }

    @Test
    void oneSigmoidUnitIsATwoClassModel() {
        Architecture logistic = new Architecture(new int[] {2, 1}, Activation.RELU, Activation.SIGMOID, Loss.MSE);
        Evaluation e = evaluate(logistic, new double[] {1, 0, 0}, X, Y, 2, 2, 1);
        assertThat(e.accuracy()).isEqualTo(3.0 / 5);
        assertThat(e.precision()).isEqualTo(2.0 / 3);
    }

    @Test
    void moreThanTwoClassesOrRegressionHaveNoPrecision() {
        Architecture three = new Architecture(new int[] {2, 3}, Activation.RELU, Activation.SOFTMAX, Loss.CROSS_ENTROPY);
        Evaluation e = evaluate(three, new double[9], X, new float[] {0, 1, 2, 0, 1}, 2, 2, 1);
        assertThat(e.accuracy()).isEqualTo(2.0 / 5); // all-zero logits predict class 0
        assertThat(e.precision()).isNaN();
        assertThat(e.f1()).isNaN();
        Architecture linear = new Architecture(new int[] {2, 1}, Activation.RELU, Activation.IDENTITY, Loss.MSE);
        Evaluation r = evaluate(linear, new double[] {1, 0, 0}, X, new float[] {1, 2, -1, -2, 2}, 2, 2, 1);
        assertThat(r.accuracy()).isNaN();
        assertThat(r.loss()).isCloseTo(0.5 * 1 / 5, within(1e-12)); // only row 4 misses, by 1
    }
}
