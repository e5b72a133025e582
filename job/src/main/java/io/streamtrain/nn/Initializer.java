package io.streamtrain.nn;

import java.util.Locale;
import java.util.Random;

/**
 * Seeded weight initialisation; biases start at zero. The same seed gives the same parameters on
 * every machine and backend, so every worker and the updater can build version 0 on their own.
 */
public enum Initializer {
    /** W ~ N(0, 2 / fan_in) (He et al. 2015, "Delving Deep into Rectifiers"). */
    HE,
    /** W ~ N(0, 2 / (fan_in + fan_out)) (Glorot &amp; Bengio 2010). */
    XAVIER,
    /** W ~ N(0, scale^2). */
    NORMAL;

    public double[] initialize(Architecture arch, long seed, double scale) {
        double[] params = new double[arch.parameterCount()];
        Random random = new Random(seed);
        for (int l = 0; l < arch.layers(); l++) {
            int in = arch.size(l);
            int out = arch.size(l + 1);
            double std;
            switch (this) {
                case HE:
                    std = Math.sqrt(2.0 / in);
                    break;
                case XAVIER:
                    std = Math.sqrt(2.0 / (in + out));
                    break;
                default:
                    std = scale;
            }
            int offset = arch.weightOffset(l);
            for (int i = 0; i < in * out; i++) {
                params[offset + i] = std * random.nextGaussian();
            }
        }
        return params;
    }

    public static Initializer fromConfig(String name) {
        for (Initializer i : values()) {
            if (i.name().equalsIgnoreCase(name.trim())) {
                return i;
            }
        }
        throw new IllegalArgumentException("unknown initializer '" + name + "' (allowed: "
                + java.util.Arrays.stream(values()).map(i -> i.name().toLowerCase(Locale.ROOT))
                        .collect(java.util.stream.Collectors.joining(", ")) + ")");
    }
}
