package io.streamtrain.data;

/** The first {@code n} rows of a {@link SeedData} stream, as CSV lines {@code x1,x2,y}. */
final class SeedRows implements Rows {
    private final SeedData data;
    private final int n;

    SeedRows(SeedData data, int n) {
        this.data = data;
        this.n = n;
    }

    @Override
    public int size() {
        return n;
    }

    @Override
    public byte[] get(int i) {
        return data.csv(i);
    }
}
