package io.streamtrain.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** Hand-computed values of the seed 2-2-2 network and of the output heads. */
class HeadTest {

    @Test
    void seedNetworkForwardPassByHand() {
        Architecture arch = Architecture.seed();
        // W1 = [[1, -1], [1, -1]], b1 = [0, 0], W2 = [[0, 1], [1, 0]], b2 = [0.5, 0]
        double[] theta = {1, -1, 1, -1, 0, 0, 0, 1, 1, 0, 0.5, 0};
        float[] x = {1.0f, 0.5f};
        // h = relu([1.5, -1.5]) = [1.5, 0]; z = [0*1.5 + 1*0 + 0.5, 1*1.5 + 0] = [0.5, 1.5]
        double p1 = Math.exp(1.5) / (Math.exp(0.5) + Math.exp(1.5));
        double[] out = new ForwardPass(arch, theta).outputs(x, 0);
        assertThat(out[1]).isCloseTo(p1, within(1e-12));
        assertThat(out[0]).isCloseTo(1 - p1, within(1e-12));

        DenseNetwork network = new DenseNetwork(arch, DataType.DOUBLE, 1);
        network.setParameters(theta);
        BatchStats stats = network.score(x, new float[] {1}, 1);
        assertThat(stats.lossSum()).isCloseTo(-Math.log(p1), within(1e-12));
        assertThat(stats.correct()).isEqualTo(1);

        double[] g = new double[arch.parameterCount()];
        network.gradient(x, new float[] {1}, 1, g);
        // dz = p - y = [1 - p1, p1 - 1]; db2 = dz; dW2 = h^T dz (only h_0 = 1.5 is non-zero)
        assertThat(g[10]).isCloseTo(1 - p1, within(1e-12));
        assertThat(g[11]).isCloseTo(p1 - 1, within(1e-12));
        assertThat(g[6]).isCloseTo(1.5 * (1 - p1), within(1e-12));
        assertThat(g[8]).isEqualTo(0.0);
    }

    @Test
    void softmaxLossIsStableForLargeLogits() {
        Architecture arch = new Architecture(new int[] {1, 2}, Activation.RELU, Activation.SOFTMAX, Loss.CROSS_ENTROPY);
        BatchStats stats = new BatchStats();
        Head.score(arch, new double[] {1000, -1000}, new float[] {1}, 1, null, stats);
        assertThat(stats.lossSum()).isCloseTo(2000, within(1e-9));
    }

    @Test
    void regressionCountsNoCorrectRows() {
        Architecture arch = new Architecture(new int[] {1, 1}, Activation.RELU, Activation.IDENTITY, Loss.MSE);
        BatchStats stats = new BatchStats();
        double[] dz = new double[1];
        Head.score(arch, new double[] {3}, new float[] {1}, 1, dz, stats);
        assertThat(stats.lossSum()).isEqualTo(2.0);
        assertThat(dz[0]).isEqualTo(2.0);
    }
}
