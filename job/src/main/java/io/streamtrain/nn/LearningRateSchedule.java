package io.streamtrain.nn;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * The learning rate as a function of the step number (from 1), given the base rate {@code eta_0}.
 *
 * <pre>
 *   constant       eta_t = eta_0
 *   step           eta_t = eta_0 * gamma^floor((t - 1) / stepSize)
 *   inverse-time   eta_t = eta_0 / (1 + decay * (t - 1))
 * </pre>
 *
 * All three give {@code eta_0} at step 1. Immutable and serializable, so it can travel inside a
 * Flink function.
 */
public sealed interface LearningRateSchedule extends Serializable
        permits LearningRateSchedule.Constant, LearningRateSchedule.StepDecay, LearningRateSchedule.InverseTime {

    /** The names {@link #of} accepts. */
    List<String> NAMES = List.of("constant", "step", "inverse-time");

    /**
     * The learning rate of step {@code step}.
     *
     * @param base the base learning rate, eta_0
     * @param step the step number, from 1
     * @throws IllegalArgumentException when {@code step < 1}
     */
    double rate(double base, long step);

    /** The configuration spelling: {@code constant}, {@code step} or {@code inverse-time}. */
    String name();

    /** The constant schedule. */
    static LearningRateSchedule constant() {
        return new Constant();
    }

    /**
     * The schedule called {@code name} (case and surrounding blanks ignored); each takes only the
     * parameters it uses and ignores the others.
     *
     * @param name one of {@link #NAMES}
     * @param gamma the factor of {@code step}, in (0, 1] to decay
     * @param stepSize the steps between two decays of {@code step}, at least 1
     * @param decay the rate of {@code inverse-time}, at least 0
     * @throws IllegalArgumentException for an unknown name (the message lists the allowed ones) or
     *     a parameter out of range
     */
    static LearningRateSchedule of(String name, double gamma, long stepSize, double decay) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        switch (n) {
            case "constant":
                return new Constant();
            case "step":
                return new StepDecay(gamma, stepSize);
            case "inverse-time":
                return new InverseTime(decay);
            default:
                throw new IllegalArgumentException("unknown learning-rate schedule '" + name + "' (allowed: "
                        + String.join(", ", NAMES) + ")");
        }
    }

    private static void checkStep(long step) {
        if (step < 1) {
            throw new IllegalArgumentException("steps count from 1, got " + step);
        }
    }

    /** eta_t = eta_0. */
    record Constant() implements LearningRateSchedule {
        private static final long serialVersionUID = 1L;

        /** eta_t = eta_0 */
        @Override
        public double rate(double base, long step) {
            checkStep(step);
            return base;
        }

        @Override
        public String name() {
            return "constant";
        }
    }

    /** eta_t = eta_0 * gamma^floor((t - 1) / stepSize): multiplied by gamma every stepSize steps. */
    record StepDecay(double gamma, long stepSize) implements LearningRateSchedule {
        private static final long serialVersionUID = 1L;

        public StepDecay {
            if (!(gamma > 0 && gamma < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("step schedule gamma must be positive and finite, got " + gamma);
            }
            if (stepSize < 1) {
                throw new IllegalArgumentException("step schedule step size must be at least 1, got " + stepSize);
            }
        }

        /** eta_t = eta_0 * gamma^floor((t - 1) / stepSize) */
        @Override
        public double rate(double base, long step) {
            checkStep(step);
            // (t - 1) / stepSize on non-negative longs is the floor
            return base * Math.pow(gamma, (step - 1) / stepSize);
        }

        @Override
        public String name() {
            return "step";
        }
    }

    /** eta_t = eta_0 / (1 + decay * (t - 1)). */
    record InverseTime(double decay) implements LearningRateSchedule {
        private static final long serialVersionUID = 1L;

        public InverseTime {
            if (!(decay >= 0 && decay < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException(
                        "inverse-time schedule decay must be at least 0 and finite, got " + decay);
            }
        }

        /** eta_t = eta_0 / (1 + decay * (t - 1)) */
        @Override
        public double rate(double base, long step) {
            checkStep(step);
            return base / (1 + decay * (step - 1));
        }

        @Override
        public String name() {
            return "inverse-time";
        }
    }
}
