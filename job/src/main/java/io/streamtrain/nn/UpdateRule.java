package io.streamtrain.nn;

import java.io.Serializable;

/**
 * Turns a summed gradient into a parameter update: the mean over the rows, plus the L2 term on
 * weights, then the optimizer. Shared by the streaming updater and the reference trainer, so both
 * apply exactly the same arithmetic.
 *
 * <pre>
 *   g = (1/n) sum_rows dL/dtheta + lambda * W        (lambda on weights only, not biases)
 *   theta = optimizer(theta, g)
 * </pre>
 */
public final class UpdateRule implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Optimizer optimizer;
    private final double learningRate;
    private final double l2;
    private final boolean[] weightMask;

    public UpdateRule(Architecture arch, Optimizer optimizer, double learningRate, double l2) {
        this.optimizer = optimizer;
        this.learningRate = learningRate;
        this.l2 = l2;
        this.weightMask = arch.weightMask();
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public int stateSize() {
        return optimizer.slots() * weightMask.length;
    }

    /** The learning rate of step {@code step} (from 1). */
    public double learningRate(long step) {
        return learningRate;
    }

    /**
     * Applies one update in place.
     *
     * @param theta parameters
     * @param gradientSum summed gradient of {@code rows} rows; turned into the full gradient in place
     * @param rows rows behind the gradient, at least 1
     * @param state optimizer state of {@link #stateSize()} values
     * @param step the step number, from 1
     * @return false, leaving theta unchanged, when the gradient is not finite
     */
    public boolean apply(double[] theta, double[] gradientSum, long rows, double[] state, long step) {
        double inv = 1.0 / rows;
        for (int i = 0; i < theta.length; i++) {
            double g = gradientSum[i] * inv;
            if (weightMask[i]) {
                g += l2 * theta[i];
            }
            if (!Double.isFinite(g)) {
                return false;
            }
            gradientSum[i] = g;
        }
        optimizer.update(theta, gradientSum, state, step, learningRate(step));
        return true;
    }
}
