package io.streamtrain.nn;

import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Which implementation computes a network's passes: ND4J, plain Java, or chosen by the size of
 * the network ({@link #AUTO}).
 */
public enum Kernel {
    /** Plain Java for networks of at most {@link #JAVA_MAX_MULTIPLY_ADDS} multiply-adds per row, else ND4J. */
    AUTO,
    /** ND4J ({@link DenseNetwork}): native matrix products; each call costs microseconds. */
    ND4J,
    /** Plain Java loops ({@link JavaNetwork}), double precision. */
    JAVA;

    /**
     * Measured on a 2-core machine (single thread, rows/s, batch 64 to 1024): 2-2-2 plain Java
     * 3-9M vs ND4J 26k-716k; 2-16-2 0.6-2M vs 20k-410k; 10-32-2 (384 multiply-adds) 160-210k vs
     * 45k-970k, where ND4J wins from batch 256 on. Below this bound Java wins at every batch size.
     */
    public static final int JAVA_MAX_MULTIPLY_ADDS = 256;

    /** The implementation this kernel picks for {@code arch}: ND4J or JAVA, never AUTO. */
    public Kernel resolve(Architecture arch) {
        if (this != AUTO) {
            return this;
        }
        return arch.multiplyAddsPerRow() <= JAVA_MAX_MULTIPLY_ADDS ? JAVA : ND4J;
    }

    /** A new network for {@code arch}; {@code dtype} applies to ND4J (plain Java runs in double). */
    public Network create(Architecture arch, DataType dtype, int batchCapacity) {
        return resolve(arch) == JAVA ? new JavaNetwork(arch, batchCapacity) : new DenseNetwork(arch, dtype, batchCapacity);
    }

    /** Whether the network {@link #create} makes computes in float32 (plain Java always runs in double). */
    public boolean computesInFloat(Architecture arch, DataType dtype) {
        return resolve(arch) == ND4J && dtype == DataType.FLOAT;
    }

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Kernel fromConfig(String name) {
        for (Kernel k : values()) {
            if (k.configName().equals(name.trim().toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown kernel '" + name + "' (auto, nd4j or java)");
    }
}
