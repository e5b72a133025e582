package io.streamtrain.connectors.jdbc;

import io.streamtrain.connectors.record.ModelSnapshot;
import java.util.Arrays;
import java.util.Random;

/**
 * Measures how long one snapshot of the 784-128-10 network (101,770 cells) takes to write, on the
 * databases given as arguments (JDBC urls). Not a test: run it by hand (see the README).
 */
public final class MeasureSnapshotWrites {
    private MeasureSnapshotWrites() {}

    public static void main(String[] args) throws Exception {
        int[] sizes = {784, 128, 10};
        int runs = 5;
        double[] p = new double[(int) ModelSnapshot.parameterCount(sizes)];
        Random random = new Random(1);
        for (int k = 0; k < p.length; k++) {
            p[k] = random.nextGaussian() * 0.05;
        }
        for (String url : args) {
            String prefix = "bench" + Long.toHexString(System.nanoTime() & 0xffffff) + "_";
            double[] millis = new double[runs];
            try (SnapshotWriter w = SnapshotWriter.open(url, prefix, 0)) {
                for (int r = 0; r < runs; r++) {
                    ModelSnapshot s = new ModelSnapshot("mnist", 0, r + 1, false, System.currentTimeMillis(), 0, 0,
                            Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0.1,
                            0, 0, 0, 0, "{}", sizes, "h", "", p);
                    long t0 = System.nanoTime();
                    w.write(s);
                    millis[r] = (System.nanoTime() - t0) / 1e6;
                }
            } finally {
                try (var c = JdbcUrls.connect(url, SnapshotDialect.fromUrl(url), false)) {
                    c.setAutoCommit(true);
                    SnapshotTables.of(prefix).drop(c);
                }
            }
            double[] sorted = millis.clone();
            Arrays.sort(sorted);
            System.out.printf("%-10s %,d cells: median %.0f ms, all %s%n", SnapshotDialect.fromUrl(url), p.length,
                    sorted[runs / 2], Arrays.toString(Arrays.stream(millis).map(Math::rint).toArray()));
        }
    }
}
