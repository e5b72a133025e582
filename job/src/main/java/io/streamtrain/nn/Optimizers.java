package io.streamtrain.nn;

import java.util.List;
import java.util.Locale;

/** Builds an {@link Optimizer} from its configuration name, and shared argument checks. */
public final class Optimizers {

    /** The names {@link #of} accepts. */
    public static final List<String> NAMES = List.of("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam");

    private Optimizers() {}

    /**
     * The optimizer called {@code name} (case and surrounding blanks ignored); each takes only the
     * parameters it uses and ignores the others.
     *
     * @param name one of {@link #NAMES}
     * @param momentum the momentum coefficient of {@code momentum} and {@code nesterov}
     * @param beta1 the first-moment decay of {@code adam}
     * @param beta2 the second-moment decay of {@code adam}
     * @param rho the mean-square decay of {@code rmsprop}
     * @param epsilon the denominator guard of {@code adagrad}, {@code rmsprop} and {@code adam}
     * @throws IllegalArgumentException for an unknown name (the message lists the allowed ones) or
     *     a parameter out of range
     */
    public static Optimizer of(String name, double momentum, double beta1, double beta2, double rho, double epsilon) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        switch (n) {
            case "sgd":
                return new Sgd();
            case "momentum":
                return new Momentum(momentum, false);
            case "nesterov":
                return new Momentum(momentum, true);
            case "adagrad":
                return new AdaGrad(epsilon);
            case "rmsprop":
                return new RmsProp(rho, epsilon);
            case "adam":
                return new Adam(beta1, beta2, epsilon);
            default:
                throw new IllegalArgumentException(
                        "unknown optimizer '" + name + "' (allowed: " + String.join(", ", NAMES) + ")");
        }
    }

    static double checkEpsilon(double epsilon) {
        if (!(epsilon > 0 && epsilon < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("epsilon must be positive and finite, got " + epsilon);
        }
        return epsilon;
    }

    static void checkShapes(Optimizer optimizer, double[] theta, double[] g, double[] state) {
        if (g.length != theta.length) {
            throw new IllegalArgumentException(
                    "gradient has " + g.length + " values for " + theta.length + " parameters");
        }
        long expected = (long) optimizer.slots() * theta.length;
        if (state.length != expected) {
            throw new IllegalArgumentException(optimizer.name() + " needs " + expected + " state values ("
                    + optimizer.slots() + " x " + theta.length + "), got " + state.length);
        }
    }
}
