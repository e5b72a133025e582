package io.streamtrain.nn;

/**
 * AdaGrad (Duchi, Hazan and Singer, "Adaptive Subgradient Methods for Online Learning and
 * Stochastic Optimization", JMLR 12, 2011), diagonal version: each parameter's step is divided by
 * the root of the sum of its squared gradients so far.
 *
 * <pre>
 *   G     = G + g^2
 *   theta = theta - eta * g / (sqrt(G) + eps)
 * </pre>
 *
 * One state slot: the accumulator {@code G} in {@code state[0, n)}, zero at the start. Works in
 * place on {@code theta} and {@code state}.
 */
public final class AdaGrad implements Optimizer {
    private static final long serialVersionUID = 1L;

    private final double epsilon;

    /** @param epsilon added to the denominator for numerical stability, positive (1e-8 is usual) */
    public AdaGrad(double epsilon) {
        this.epsilon = Optimizers.checkEpsilon(epsilon);
    }

    public double epsilon() {
        return epsilon;
    }

    @Override
    public int slots() {
        return 1;
    }

    /**
     * One step in place, on {@code theta} and on the accumulator in {@code state[0, n)}.
     *
     * <pre>
     *   G_t     = G_{t-1} + g_t^2
     *   theta_t = theta_{t-1} - eta_t * g_t / (sqrt(G_t) + eps)
     * </pre>
     */
    @Override
    public void update(double[] theta, double[] g, double[] state, long step, double learningRate) {
        Optimizers.checkShapes(this, theta, g, state);
        int n = theta.length;
        for (int i = 0; i < n; i++) {
            // G = G + g^2
            double acc = state[i] + g[i] * g[i];
            state[i] = acc;
            // theta -= eta * g / (sqrt(G) + eps)
            theta[i] -= learningRate * g[i] / (Math.sqrt(acc) + epsilon);
        }
    }

    @Override
    public String name() {
        return "adagrad";
    }

    @Override
    public String toString() {
        return "adagrad(epsilon=" + epsilon + ")";
    }
}
