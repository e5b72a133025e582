package io.streamtrain.data;

/**
 * The first {@code n} rows of a {@link SeedData} stream, as CSV lines {@code x1,x2,y} or as
 * {@link DenseRowFormat} rows (float features, the class index).
 */
final class SeedRows implements Rows {
    private final SeedData data;
    private final int n;
    private final boolean dense;

    SeedRows(SeedData data, int n) {
        this(data, n, false);
    }

    SeedRows(SeedData data, int n, boolean dense) {
        this.data = data;
        this.n = n;
        this.dense = dense;
    }

    @Override
    public int size() {
        return n;
    }

    @Override
    public byte[] get(int i) {
        if (dense) {
            float[] x = new float[2];
            int y = data.row(i, x, 0);
            return DenseRowFormat.encode(y, x, 0, 2);
        }
        return data.csv(i);
    }
}
