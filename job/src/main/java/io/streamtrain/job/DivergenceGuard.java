package io.streamtrain.job;

import java.io.Serializable;

/**
 * Tells a diverging model from a learning one by its prequential loss, and remembers the last
 * parameters that were measured to be good, so that the updater can go back to them.
 *
 * <pre>
 *   L_w      = (sum of the window's losses) / (rows of the window)   (scored before training)
 *   level_w  = L_1                                  after the first window
 *            = (1 - a) level_{w-1} + a L_w           a = {@value #SMOOTHING}, for windows judged normal
 *   diverged = L_w > factor * level_{w-1} * max(1, {@value #EVIDENCE_ROWS} / n_w)
 *                                                   once warmupVersions windows have set the level
 * </pre>
 *
 * where n_w is the number of rows of the window. The last factor is there because the mean loss
 * of a few rows is noisy: one misclassified row among four lifts a window's loss to many times
 * a well-trained model's level, which is not divergence. A window of fewer than {@value
 * #EVIDENCE_ROWS} rows must carry the loss that many rows at {@code factor} times the level
 * would (steps of 4 rows fired the guard on 1 window in 30 of a normal run without it, and each
 * time threw away a good update). A diverged model's loss grows by orders of magnitude, or
 * becomes NaN, which is caught at any window size.
 *
 * A window's loss is measured on the parameters its blocks were computed on, so a diverged update
 * shows in the loss of the windows after it; the updater then discards the window's gradient and
 * publishes the last good parameters (with their optimizer state and step) as the next version.
 * Good parameters are taken only from windows whose every block was computed on the current
 * version, so they are parameters whose loss was actually measured and found normal.
 *
 * <p>When the loss stays high on the restored parameters too, it is the data that changed, not
 * the model that broke: the guard then takes the new loss as its level rather than undoing
 * every update from then on.
 */
public final class DivergenceGuard implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The weight of a new window's loss in the level. */
    static final double SMOOTHING = 0.1;

    /** Rows of loss a window needs for its mean to be judged against the level as it is. */
    static final int EVIDENCE_ROWS = 64;

    /**
     * What the guard keeps per model, in the updater's keyed state.
     *
     * @param level the loss level (an exponential moving average of window losses); NaN before the first
     * @param windows windows that have fed the level
     * @param divergences windows judged diverged (each one went back to the good parameters)
     * @param goodVersion the version of {@code goodParameters}, -1 before any was measured
     * @param goodParameters the last parameters measured to be good, or null
     * @param goodOptimizerState their optimizer state
     * @param goodStep their optimizer step
     * @param restoredVersion the version that republished the good parameters after the last
     *     divergence, until a window measured on it or later is judged; -1 otherwise
     */
    public record State(double level, long windows, long divergences, long goodVersion, double[] goodParameters,
            double[] goodOptimizerState, long goodStep, long restoredVersion) {

        public static State initial() {
            return new State(Double.NaN, 0, 0, -1, null, null, 0, -1);
        }
    }

    /** The verdict on one window. */
    public enum Verdict {
        /** Apply the window's update. */
        APPLY,
        /** Discard the window's update and go back to the good parameters. */
        RESTORE,
        /** The loss was also high on the restored parameters: the level was reset; apply. */
        NEW_LEVEL
    }

    /** A verdict and the state to keep after it. */
    public record Judgement(Verdict verdict, State state) {}

    private final double factor;
    private final int warmupVersions;

    /**
     * @param factor a window whose loss is above this many times the level has diverged; 0 turns
     *     the guard off
     * @param warmupVersions windows that only set the level before the guard judges (at least 1)
     */
    public DivergenceGuard(double factor, int warmupVersions) {
        if (!(factor == 0 || factor > 1) || warmupVersions < 1) {
            throw new IllegalArgumentException("divergence factor " + factor + " (0 or > 1), warm-up "
                    + warmupVersions + " (>= 1)");
        }
        this.factor = factor;
        this.warmupVersions = warmupVersions;
    }

    public boolean enabled() {
        return factor > 0;
    }

    public double factor() {
        return factor;
    }

    /** Judges one window of at least {@value #EVIDENCE_ROWS} rows. */
    public Judgement judge(State s, double meanLoss, long oldestBase, long version, double[] parameters,
            double[] optimizerState, long step) {
        return judge(s, meanLoss, EVIDENCE_ROWS, oldestBase, version, parameters, optimizerState, step);
    }

    /**
     * Judges one window.
     *
     * @param meanLoss the window's mean prequential loss (over the rows of its applied blocks)
     * @param rows the rows of its applied blocks
     * @param oldestBase the oldest version the window's applied blocks were computed on
     * @param version the current version (the one the window's update would apply to)
     * @param parameters the current version's parameters (kept, never modified, as the good ones)
     */
    public Judgement judge(State s, double meanLoss, long rows, long oldestBase, long version, double[] parameters,
            double[] optimizerState, long step) {
        if (!enabled()) {
            return new Judgement(Verdict.APPLY, s);
        }
        boolean measuredCurrent = oldestBase >= version;
        boolean restoring = s.restoredVersion() >= 0;
        boolean onRestored = restoring && oldestBase >= s.restoredVersion();
        // a NaN or infinite loss is beyond any level
        double bound = factor * s.level() * Math.max(1.0, (double) EVIDENCE_ROWS / Math.max(1, rows));
        if (s.windows() >= warmupVersions && !(meanLoss <= bound)) {
            if (!onRestored && s.goodParameters() != null) {
                // blocks still computed before the last restore are discarded too, counted once
                State next = new State(s.level(), s.windows(), s.divergences() + (restoring ? 0 : 1),
                        s.goodVersion(), s.goodParameters(), s.goodOptimizerState(), s.goodStep(),
                        restoring ? s.restoredVersion() : version + 1);
                return new Judgement(Verdict.RESTORE, next);
            }
            if (onRestored && Double.isFinite(meanLoss)) {
                // as high on the last good parameters: the rows changed, not the model
                return new Judgement(Verdict.NEW_LEVEL, new State(meanLoss, 1, s.divergences(),
                        measuredCurrent ? version : s.goodVersion(),
                        measuredCurrent ? parameters : s.goodParameters(),
                        measuredCurrent ? optimizerState : s.goodOptimizerState(),
                        measuredCurrent ? step : s.goodStep(), -1));
            }
            // nothing measured good to go back to: apply (an update that is not finite is
            // still refused by the updater)
            return new Judgement(Verdict.APPLY, s);
        }
        if (!Double.isFinite(meanLoss)) {
            return new Judgement(Verdict.APPLY, s);
        }
        double level = s.windows() == 0 ? meanLoss : (1 - SMOOTHING) * s.level() + SMOOTHING * meanLoss;
        return new Judgement(Verdict.APPLY, new State(level, s.windows() + 1, s.divergences(),
                measuredCurrent ? version : s.goodVersion(),
                measuredCurrent ? parameters : s.goodParameters(),
                measuredCurrent ? optimizerState : s.goodOptimizerState(),
                measuredCurrent ? step : s.goodStep(),
                onRestored ? -1 : s.restoredVersion()));
    }
}
