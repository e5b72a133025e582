package io.streamtrain.data;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * The seed data set of the SQL reference: x1, x2 ~ N(0, 1) and y = 1 if x1 + x2 > 0 else 0.
 *
 * <p>Row i is a pure function of (seed, i), so any range can be regenerated (the held-out set
 * uses its own stream, {@link #holdout}).
 */
public final class SeedData {
    private final long seed;

    public SeedData(long seed) {
        this.seed = seed;
    }

    /** The held-out set: a different stream from the training rows. */
    public static SeedData holdout(long seed) {
        return new SeedData(~seed * 0x9E3779B97F4A7C15L);
    }

    /** Writes row {@code i}'s features into {@code x[at], x[at+1]} and returns its label. */
    public int row(long i, float[] x, int at) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i);
        float x1 = (float) random.nextGaussian();
        float x2 = (float) random.nextGaussian();
        x[at] = x1;
        x[at + 1] = x2;
        return x1 + x2 > 0 ? 1 : 0;
    }

    /** Row {@code i} as the CSV line {@code x1,x2,y}. */
    public byte[] csv(long i) {
        float[] x = new float[2];
        int y = row(i, x, 0);
        return (x[0] + "," + x[1] + "," + y).getBytes(StandardCharsets.UTF_8);
    }

    /** Rows {@code [0, n)} as feature and label arrays. */
    public float[][] arrays(int n) {
        float[] x = new float[2 * n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = row(i, x, 2 * i);
        }
        return new float[][] {x, y};
    }
}
