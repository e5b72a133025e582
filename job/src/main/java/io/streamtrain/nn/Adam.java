package io.streamtrain.nn;

/**
 * Adam (Kingma and Ba, "Adam: A Method for Stochastic Optimization", arXiv:1412.6980, 2014; ICLR
 * 2015), exactly as Algorithm 1 of the paper, with the bias-corrected moment estimates computed
 * explicitly (not the paper's "more efficient" reordering, whose epsilon means something slightly
 * different).
 *
 * <pre>
 *   m     = beta1 * m + (1 - beta1) * g
 *   v     = beta2 * v + (1 - beta2) * g^2
 *   mhat  = m / (1 - beta1^t)
 *   vhat  = v / (1 - beta2^t)
 *   theta = theta - eta * mhat / (sqrt(vhat) + eps)
 * </pre>
 *
 * Two state slots: the first moment {@code m} in {@code state[0, n)}, the second moment {@code v}
 * in {@code state[n, 2n)}, both zero at the start. The bias correction needs the step number
 * {@code t}, counted from 1, which the caller keeps with the state. Works in place on
 * {@code theta} and {@code state}.
 */
public final class Adam implements Optimizer {
    private static final long serialVersionUID = 1L;

    private final double beta1;
    private final double beta2;
    private final double epsilon;

    /**
     * @param beta1 decay of the first moment, in [0, 1) (0.9 in the paper)
     * @param beta2 decay of the second moment, in [0, 1) (0.999 in the paper)
     * @param epsilon added to the denominator for numerical stability, positive (1e-8 in the paper)
     */
    public Adam(double beta1, double beta2, double epsilon) {
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("adam beta1 must be in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("adam beta2 must be in [0, 1), got " + beta2);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = Optimizers.checkEpsilon(epsilon);
    }

    public double beta1() {
        return beta1;
    }

    public double beta2() {
        return beta2;
    }

    public double epsilon() {
        return epsilon;
    }

    @Override
    public int slots() {
        return 2;
    }

    /**
     * One step in place, on {@code theta} and on the moments in {@code state[0, n)} (m) and
     * {@code state[n, 2n)} (v).
     *
     * <pre>
     *   m_t     = beta1 * m_{t-1} + (1 - beta1) * g_t
     *   v_t     = beta2 * v_{t-1} + (1 - beta2) * g_t^2
     *   mhat_t  = m_t / (1 - beta1^t)
     *   vhat_t  = v_t / (1 - beta2^t)
     *   theta_t = theta_{t-1} - eta_t * mhat_t / (sqrt(vhat_t) + eps)
     * </pre>
     *
     * @throws IllegalArgumentException when {@code step < 1} (the bias correction would divide by 0)
     */
    @Override
    public void update(double[] theta, double[] g, double[] state, long step, double learningRate) {
        Optimizers.checkShapes(this, theta, g, state);
        if (step < 1) {
            throw new IllegalArgumentException("adam steps count from 1, got " + step);
        }
        int n = theta.length;
        // 1 - beta1^t and 1 - beta2^t, the bias corrections of step t
        double correction1 = 1 - Math.pow(beta1, step);
        double correction2 = 1 - Math.pow(beta2, step);
        double oneMinusBeta1 = 1 - beta1;
        double oneMinusBeta2 = 1 - beta2;
        // eta * mhat / (sqrt(vhat) + eps) = (eta / (1 - beta1^t)) * m / (sqrt(v * (1 / (1 - beta2^t))) + eps):
        // the same rule with one division and one square root per parameter instead of three
        // divisions (the updater's hottest loop on a 100,000-parameter network)
        double stepSize = learningRate / correction1;
        double vScale = 1 / correction2;
        for (int i = 0; i < n; i++) {
            double gi = g[i];
            // m = beta1 * m + (1 - beta1) * g
            double m = beta1 * state[i] + oneMinusBeta1 * gi;
            // v = beta2 * v + (1 - beta2) * g^2
            double v = beta2 * state[n + i] + oneMinusBeta2 * (gi * gi);
            state[i] = m;
            state[n + i] = v;
            // theta -= eta * mhat / (sqrt(vhat) + eps)
            theta[i] -= stepSize * m / (Math.sqrt(v * vScale) + epsilon);
        }
    }

    @Override
    public String name() {
        return "adam";
    }

    @Override
    public String toString() {
        return "adam(beta1=" + beta1 + ", beta2=" + beta2 + ", epsilon=" + epsilon + ")";
    }
}
