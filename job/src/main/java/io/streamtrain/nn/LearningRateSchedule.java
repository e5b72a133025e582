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
 *   cosine         eta_t = eta_0 * (f + (1 - f) * (1 + cos(pi * u)) / 2),   u = min(t - 1, T) / T
 *   linear         eta_t = eta_0 * (f + (1 - f) * (1 - u))
 * </pre>
 *
 * Every one gives {@code eta_0} at step 1. {@code cosine} (Loshchilov &amp; Hutter, "SGDR:
 * Stochastic Gradient Descent with Warm Restarts", ICLR 2017, without the restarts) and
 * {@code linear} know the length of the run, {@code T} steps: they reach the floor
 * {@code f * eta_0} at step {@code T + 1} and stay there, so the last steps of a run are small
 * however many passes it makes. Immutable and serializable, so it can travel inside a Flink
 * function.
 */
public sealed interface LearningRateSchedule extends Serializable
        permits LearningRateSchedule.Constant, LearningRateSchedule.StepDecay, LearningRateSchedule.InverseTime,
                LearningRateSchedule.Cosine, LearningRateSchedule.Linear {

    /** The names {@link #of} accepts. */
    List<String> NAMES = List.of("constant", "step", "inverse-time", "cosine", "linear");

    /** The names of the schedules that decay over a run of known length (they need its steps). */
    List<String> DECAYING_TO_FLOOR = List.of("cosine", "linear");

    /**
     * The learning rate of step {@code step}.
     *
     * @param base the base learning rate, eta_0
     * @param step the step number, from 1
     * @throws IllegalArgumentException when {@code step < 1}
     */
    double rate(double base, long step);

    /** The configuration spelling: one of {@link #NAMES}. */
    String name();

    /** The constant schedule. */
    static LearningRateSchedule constant() {
        return new Constant();
    }

    /**
     * The schedule called {@code name}, without the run length that {@code cosine} and
     * {@code linear} need (they are refused): see {@link #of(String, double, long, double, long, double)}.
     */
    static LearningRateSchedule of(String name, double gamma, long stepSize, double decay) {
        return of(name, gamma, stepSize, decay, 0, 0);
    }

    /**
     * The schedule called {@code name} (case and surrounding blanks ignored); each takes only the
     * parameters it uses and ignores the others.
     *
     * @param name one of {@link #NAMES}
     * @param gamma the factor of {@code step}, in (0, 1] to decay
     * @param stepSize the steps between two decays of {@code step}, at least 1
     * @param decay the rate of {@code inverse-time}, at least 0
     * @param steps the steps T over which {@code cosine} and {@code linear} decay, at least 1
     * @param floor the share of {@code eta_0} that {@code cosine} and {@code linear} decay to, in [0, 1]
     * @throws IllegalArgumentException for an unknown name (the message lists the allowed ones) or
     *     a parameter out of range
     */
    static LearningRateSchedule of(String name, double gamma, long stepSize, double decay, long steps,
            double floor) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        switch (n) {
            case "constant":
                return new Constant();
            case "step":
                return new StepDecay(gamma, stepSize);
            case "inverse-time":
                return new InverseTime(decay);
            case "cosine":
                return new Cosine(steps, floor);
            case "linear":
                return new Linear(steps, floor);
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

    private static void checkDecayToFloor(String name, long steps, double floor) {
        if (steps < 1) {
            throw new IllegalArgumentException(name + " schedule needs the steps it decays over, at least 1, got "
                    + steps);
        }
        if (!(floor >= 0 && floor <= 1)) {
            throw new IllegalArgumentException(name + " schedule floor must be in [0, 1], got " + floor);
        }
    }

    /** u = min(t - 1, T) / T: the share of the decay done before step t. */
    private static double progress(long step, long steps) {
        checkStep(step);
        return (double) Math.min(step - 1, steps) / steps;
    }

    /**
     * eta_t = eta_0 * (f + (1 - f) * (1 + cos(pi * u)) / 2) with u = min(t - 1, T) / T: half a
     * cosine from eta_0 down to f * eta_0 over T steps, then f * eta_0.
     */
    record Cosine(long steps, double floor) implements LearningRateSchedule {
        private static final long serialVersionUID = 1L;

        public Cosine {
            checkDecayToFloor("cosine", steps, floor);
        }

        /** eta_t = eta_0 * (f + (1 - f) * (1 + cos(pi * u)) / 2) */
        @Override
        public double rate(double base, long step) {
            double u = progress(step, steps);
            return base * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * u)));
        }

        @Override
        public String name() {
            return "cosine";
        }
    }

    /** eta_t = eta_0 * (f + (1 - f) * (1 - u)) with u = min(t - 1, T) / T: a straight line to f * eta_0. */
    record Linear(long steps, double floor) implements LearningRateSchedule {
        private static final long serialVersionUID = 1L;

        public Linear {
            checkDecayToFloor("linear", steps, floor);
        }

        /** eta_t = eta_0 * (f + (1 - f) * (1 - u)) */
        @Override
        public double rate(double base, long step) {
            double u = progress(step, steps);
            return base * (floor + (1 - floor) * (1 - u));
        }

        @Override
        public String name() {
            return "linear";
        }
    }
}
