package io.streamtrain.nn;

/**
 * RMSProp (Tieleman and Hinton, "Lecture 6.5 - rmsprop: Divide the gradient by a running average
 * of its recent magnitude", COURSERA: Neural Networks for Machine Learning, 2012): AdaGrad with
 * an exponential moving average of the squared gradients instead of their sum.
 *
 * <pre>
 *   s     = rho * s + (1 - rho) * g^2
 *   theta = theta - eta * g / (sqrt(s) + eps)
 * </pre>
 *
 * One state slot: the mean square {@code s} in {@code state[0, n)}, zero at the start. Works in
 * place on {@code theta} and {@code state}.
 */
public final class RmsProp implements Optimizer {
    private static final long serialVersionUID = 1L;

    private final double rho;
    private final double epsilon;

    /**
     * @param rho the decay of the moving average, in [0, 1) (0.9 in the lecture)
     * @param epsilon added to the denominator for numerical stability, positive (1e-8 is usual)
     */
    public RmsProp(double rho, double epsilon) {
        if (!(rho >= 0 && rho < 1)) {
            throw new IllegalArgumentException("rmsprop rho must be in [0, 1), got " + rho);
        }
        this.rho = rho;
        this.epsilon = Optimizers.checkEpsilon(epsilon);
    }

    public double rho() {
        return rho;
    }

    public double epsilon() {
        return epsilon;
    }

    @Override
    public int slots() {
        return 1;
    }

    /**
     * One step in place, on {@code theta} and on the mean square in {@code state[0, n)}.
     *
     * <pre>
     *   s_t     = rho * s_{t-1} + (1 - rho) * g_t^2
     *   theta_t = theta_{t-1} - eta_t * g_t / (sqrt(s_t) + eps)
     * </pre>
     */
    @Override
    public void update(double[] theta, double[] g, double[] state, long step, double learningRate) {
        Optimizers.checkShapes(this, theta, g, state);
        int n = theta.length;
        double oneMinusRho = 1 - rho;
        for (int i = 0; i < n; i++) {
            // s = rho * s + (1 - rho) * g^2
            double s = rho * state[i] + oneMinusRho * (g[i] * g[i]);
            state[i] = s;
            // theta -= eta * g / (sqrt(s) + eps)
            theta[i] -= learningRate * g[i] / (Math.sqrt(s) + epsilon);
        }
    }

    @Override
    public String name() {
        return "rmsprop";
    }

    @Override
    public String toString() {
        return "rmsprop(rho=" + rho + ", epsilon=" + epsilon + ")";
    }
}
