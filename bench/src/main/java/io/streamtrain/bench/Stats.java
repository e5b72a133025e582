package io.streamtrain.bench;

import java.util.Arrays;
import java.util.List;

/** Medians and quantiles of measurements. */
final class Stats {
    private Stats() {}

    /** The median of the finite values (mean of the middle two for an even count); NaN when there are none. */
    static double median(List<Double> values) {
        double[] v = values.stream().filter(d -> d != null && Double.isFinite(d)).mapToDouble(Double::doubleValue)
                .sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
    }

    /** The q-quantile (0 <= q <= 1) of {@code values}, nearest rank; NaN when empty. */
    static double quantile(long[] values, double q) {
        if (values.length == 0) {
            return Double.NaN;
        }
        long[] v = values.clone();
        Arrays.sort(v);
        int rank = (int) Math.ceil(q * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }

    /** The q-quantile (0 <= q <= 1) of {@code values}, nearest rank; NaN when empty. */
    static double quantile(double[] values, double q) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int rank = (int) Math.ceil(q * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }
}
