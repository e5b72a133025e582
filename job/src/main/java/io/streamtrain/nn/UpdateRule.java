package io.streamtrain.nn;

import java.io.Serializable;
import java.util.Objects;

/**
 * Turns a summed gradient into a parameter update: the mean over the rows, plus the L2 term on
 * weights, optionally clipped to a maximal L2 norm, then the optimizer at the scheduled learning
 * rate. Shared by the streaming updater and the reference trainer, so both apply exactly the same
 * arithmetic.
 *
 * <pre>
 *   g     = (1/n) sum_rows dL/dtheta + lambda * W        (lambda on weights only, not biases)
 *   g     = g * c / ||g||_2      when c > 0 and ||g||_2 > c   (gradient-norm clipping)
 *   eta_t = schedule(eta_0, t)
 *   theta = optimizer(theta, g, eta_t)
 * </pre>
 *
 * Norm clipping rescales the whole gradient vector, keeping its direction (Pascanu, Mikolov and
 * Bengio, "On the difficulty of training recurrent neural networks", ICML 2013).
 */
public final class UpdateRule implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Optimizer optimizer;
    private final double learningRate;
    private final double l2;
    private final boolean[] weightMask;
    private final double clipNorm;
    private final LearningRateSchedule schedule;
    /**
     * What {@link #apply} overwrites, kept until the update is known to be finite; reused from
     * step to step (a gradient worker in the local mode applies the rule after every block, and
     * two fresh copies of a 100,000-parameter model and its Adam state a block were 2.4 MB of
     * garbage). An instance is used by one thread at a time: each operator has its own copy.
     */
    private transient double[] thetaBefore;
    private transient double[] stateBefore;

    /** A rule with no clipping and a constant learning rate. */
    public UpdateRule(Architecture arch, Optimizer optimizer, double learningRate, double l2) {
        this(arch, optimizer, learningRate, l2, 0, LearningRateSchedule.constant());
    }

    /**
     * @param arch the network, for which parameters are weights (under L2) and which are biases
     * @param optimizer the update rule applied to the final gradient
     * @param learningRate the base learning rate eta_0, which the schedule scales
     * @param l2 the L2 coefficient lambda on weights
     * @param clipNorm the maximal L2 norm of the gradient, or 0 for no clipping
     * @param schedule the learning rate as a function of the step
     */
    public UpdateRule(Architecture arch, Optimizer optimizer, double learningRate, double l2, double clipNorm,
            LearningRateSchedule schedule) {
        if (!(clipNorm >= 0)) {
            throw new IllegalArgumentException("the gradient clipping norm must be at least 0 (0 = off), got "
                    + clipNorm);
        }
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.learningRate = learningRate;
        this.l2 = l2;
        this.weightMask = arch.weightMask();
        this.clipNorm = clipNorm;
        this.schedule = Objects.requireNonNull(schedule, "schedule");
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /** The maximal L2 norm of the gradient, 0 when clipping is off. */
    public double clipNorm() {
        return clipNorm;
    }

    public LearningRateSchedule schedule() {
        return schedule;
    }

    public int stateSize() {
        return optimizer.slots() * weightMask.length;
    }

    /** The learning rate of step {@code step} (from 1): {@code schedule.rate(eta_0, step)}. */
    public double learningRate(long step) {
        return schedule.rate(learningRate, step);
    }

    /**
     * Applies one update in place.
     *
     * @param theta parameters
     * @param gradientSum summed gradient of {@code rows} rows; turned in place into the gradient
     *     handed to the optimizer (mean, L2, clipped); scratch when the update is refused
     * @param rows rows behind the gradient, at least 1
     * @param state optimizer state of {@link #stateSize()} values
     * @param step the step number, from 1
     * @return false, leaving theta and state unchanged, when the gradient, or the parameters or
     *     optimizer state after the update, would not be finite
     */
    public boolean apply(double[] theta, double[] gradientSum, long rows, double[] state, long step) {
        double inv = 1.0 / rows;
        double sumOfSquares = 0;
        for (int i = 0; i < theta.length; i++) {
            // g = (1/n) sum + lambda * W
            double g = gradientSum[i] * inv;
            if (weightMask[i]) {
                g += l2 * theta[i];
            }
            if (!Double.isFinite(g)) {
                return false;
            }
            gradientSum[i] = g;
            sumOfSquares += g * g;
        }
        if (clipNorm > 0) {
            double scale = clipScale(gradientSum, sumOfSquares, clipNorm);
            if (scale < 1) {
                for (int i = 0; i < theta.length; i++) {
                    gradientSum[i] *= scale;
                }
            }
        }
        // a finite gradient can still overflow a parameter or a moment (a huge learning rate, say):
        // the update is then refused whole, so keep what it would overwrite
        if (thetaBefore == null || thetaBefore.length != theta.length || stateBefore.length != state.length) {
            thetaBefore = new double[theta.length];
            stateBefore = new double[state.length];
        }
        System.arraycopy(theta, 0, thetaBefore, 0, theta.length);
        System.arraycopy(state, 0, stateBefore, 0, state.length);
        optimizer.update(theta, gradientSum, state, step, learningRate(step));
        if (!allFinite(theta) || !allFinite(state)) {
            System.arraycopy(thetaBefore, 0, theta, 0, theta.length);
            System.arraycopy(stateBefore, 0, state, 0, state.length);
            return false;
        }
        return true;
    }

    private static boolean allFinite(double[] values) {
        for (double v : values) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The factor c / ||g||_2 that brings g to norm c, or 1 when ||g||_2 <= c. Recomputed with the
     * vector scaled by its largest magnitude when the plain sum of squares overflowed (finite
     * components of 1e154 or more), so that a huge but finite gradient is still clipped, not zeroed.
     */
    private static double clipScale(double[] g, double sumOfSquares, double c) {
        if (sumOfSquares < Double.POSITIVE_INFINITY) {
            double norm = Math.sqrt(sumOfSquares);
            return norm > c ? c / norm : 1;
        }
        if (c == Double.POSITIVE_INFINITY) {
            return 1;
        }
        double max = 0;
        for (double x : g) {
            max = Math.max(max, Math.abs(x));
        }
        double scaled = 0;
        for (double x : g) {
            double y = x / max;
            scaled += y * y;
        }
        // c / ||g||_2 with ||g||_2 = max * sqrt(scaled), which may itself be beyond Double.MAX_VALUE
        double scale = c / max / Math.sqrt(scaled);
        return Math.min(scale, 1);
    }
}
