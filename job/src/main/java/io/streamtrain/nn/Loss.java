package io.streamtrain.nn;

import java.util.Locale;

/** Loss functions of the output layer. */
public enum Loss {
    /** Cross-entropy: with softmax, L = -log p_y; with sigmoid, L = -sum_k [y_k log p_k + (1-y_k) log(1-p_k)]. */
    CROSS_ENTROPY("cross-entropy"),
    /** Squared error: L = 1/2 sum_k (p_k - y_k)^2 (the 1/2 keeps dL/dp = p - y). */
    MSE("mse");

    private final String configName;

    Loss(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static Loss fromConfig(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (Loss l : values()) {
            if (l.configName.equals(n)) {
                return l;
            }
        }
        if (n.equals("mean-squared-error") || n.equals("squared-error")) {
            return MSE;
        }
        throw new IllegalArgumentException("unknown loss '" + name + "' (allowed: "
                + java.util.Arrays.stream(values()).map(Loss::configName)
                        .collect(java.util.stream.Collectors.joining(", ")) + ")");
    }
}
