package io.streamtrain.nn;

import java.util.Locale;

/** Element-wise activations of a dense layer; each derivative is written in terms of the output a = f(z). */
public enum Activation {
    /** a = max(0, z); f'(z) = 1 if a > 0 else 0. */
    RELU,
    /** a = 1 / (1 + e^-z); f'(z) = a (1 - a). */
    SIGMOID,
    /** a = tanh z; f'(z) = 1 - a^2. */
    TANH,
    /** a = z; f'(z) = 1. */
    IDENTITY,
    /** a_k = e^{z_k} / sum_j e^{z_j}; only as an output, paired with cross-entropy. */
    SOFTMAX;

    /** Applies the activation to one value (SOFTMAX is not element-wise and is handled by {@link Head}). */
    public double apply(double z) {
        switch (this) {
            case RELU:
                return z > 0 ? z : 0;
            case SIGMOID:
                return 1.0 / (1.0 + Math.exp(-z));
            case TANH:
                return Math.tanh(z);
            case IDENTITY:
                return z;
            default:
                throw new IllegalStateException(this + " is not element-wise");
        }
    }

    /** f'(z) expressed through a = f(z). */
    public double derivativeFromOutput(double a) {
        switch (this) {
            case RELU:
                return a > 0 ? 1 : 0;
            case SIGMOID:
                return a * (1 - a);
            case TANH:
                return 1 - a * a;
            case IDENTITY:
                return 1;
            default:
                throw new IllegalStateException(this + " has no element-wise derivative");
        }
    }

    /** The configuration spelling: lower case, e.g. {@code relu}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Activation fromConfig(String name) {
        for (Activation a : values()) {
            if (a.configName().equals(name.trim().toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown activation '" + name + "' (allowed: "
                + java.util.Arrays.stream(values()).map(Activation::configName)
                        .collect(java.util.stream.Collectors.joining(", ")) + ")");
    }
}
