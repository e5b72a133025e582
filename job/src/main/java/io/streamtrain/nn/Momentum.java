package io.streamtrain.nn;

/**
 * Stochastic gradient descent with classical momentum (Polyak, "Some methods of speeding up the
 * convergence of iteration methods", USSR Computational Mathematics and Mathematical Physics 4(5),
 * 1964), optionally with Nesterov's accelerated gradient as reformulated for deep learning by
 * Sutskever, Martens, Dahl and Hinton, "On the importance of initialization and momentum in deep
 * learning", ICML 2013.
 *
 * <p>This is the formulation of PyTorch's {@code torch.optim.SGD} (dampening 0): the velocity
 * accumulates raw gradients and the learning rate is applied when stepping, so a changing
 * learning rate takes effect at once.
 *
 * <pre>
 *   v     = mu * v + g
 *   theta = theta - eta * v                    (classical)
 *   theta = theta - eta * (g + mu * v)         (Nesterov)
 * </pre>
 *
 * One state slot: the velocity {@code v} in {@code state[0, n)}, zero at the start. Works in place
 * on {@code theta} and {@code state}.
 */
public final class Momentum implements Optimizer {
    private static final long serialVersionUID = 1L;

    private final double mu;
    private final boolean nesterov;

    /**
     * @param mu the momentum coefficient, in [0, 1) (0.9 is usual)
     * @param nesterov whether to take the Nesterov (look-ahead) step
     */
    public Momentum(double mu, boolean nesterov) {
        if (!(mu >= 0 && mu < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + mu);
        }
        this.mu = mu;
        this.nesterov = nesterov;
    }

    public double mu() {
        return mu;
    }

    public boolean nesterov() {
        return nesterov;
    }

    @Override
    public int slots() {
        return 1;
    }

    /**
     * One step in place, on {@code theta} and on the velocity in {@code state[0, n)}.
     *
     * <pre>
     *   v_t     = mu * v_{t-1} + g_t
     *   theta_t = theta_{t-1} - eta_t * v_t                   (classical)
     *   theta_t = theta_{t-1} - eta_t * (g_t + mu * v_t)      (Nesterov)
     * </pre>
     */
    @Override
    public void update(double[] theta, double[] g, double[] state, long step, double learningRate) {
        Optimizers.checkShapes(this, theta, g, state);
        int n = theta.length;
        for (int i = 0; i < n; i++) {
            // v = mu * v + g
            double v = mu * state[i] + g[i];
            state[i] = v;
            if (nesterov) {
                // theta -= eta * (g + mu * v)
                theta[i] -= learningRate * (g[i] + mu * v);
            } else {
                // theta -= eta * v
                theta[i] -= learningRate * v;
            }
        }
    }

    @Override
    public String name() {
        return nesterov ? "nesterov" : "momentum";
    }

    @Override
    public String toString() {
        return name() + "(momentum=" + mu + ")";
    }
}
