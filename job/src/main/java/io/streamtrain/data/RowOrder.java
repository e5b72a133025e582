package io.streamtrain.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * The order rows are streamed in: {@code epochs} passes over (at most {@code perPass} of) the
 * rows, each pass in the rows' order or in a random order seeded by the seed and the pass number,
 * so that a run is repeatable and every pass sees every row once.
 */
public final class RowOrder implements Iterator<byte[]> {
    private final Rows rows;
    private final int epochs;
    private final int perPass;
    private final boolean shuffle;
    private final long seed;
    private int epoch;
    private int position;
    private int[] order;

    /**
     * @param perPass rows per pass (0 = all)
     */
    public RowOrder(Rows rows, int epochs, long perPass, boolean shuffle, long seed) {
        this.rows = rows;
        this.epochs = epochs;
        this.perPass = perPass <= 0 ? rows.size() : (int) Math.min(perPass, rows.size());
        this.shuffle = shuffle;
        this.seed = seed;
    }

    /** Rows this order streams in all. */
    public long total() {
        return (long) perPass * epochs;
    }

    @Override
    public boolean hasNext() {
        return epoch < epochs && perPass > 0;
    }

    @Override
    public byte[] next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        if (position == 0 && shuffle) {
            order = DataSets.permutation(rows.size(), new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch));
        }
        byte[] row = rows.get(shuffle ? order[position] : position);
        if (++position == perPass) {
            position = 0;
            epoch++;
        }
        return row;
    }
}
