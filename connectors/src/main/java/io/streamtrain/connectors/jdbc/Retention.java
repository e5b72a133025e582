package io.streamtrain.connectors.jdbc;

import java.io.Serializable;

/**
 * Which versions keep their parameter cells (and optimizer state): the newest {@code keepLast} of
 * each model, every version that is a multiple of {@code keepEvery}, and every final one. The
 * others' cells are deleted and their header flagged {@code cells_retired}; headers are never
 * deleted, so the metrics history stays complete.
 *
 * @param keepLast newest versions per model whose cells are kept; 0 keeps every version's cells
 * @param keepEvery older versions that are multiples of this keep their cells too; 0 = none
 */
public record Retention(int keepLast, int keepEvery) implements Serializable {

    /** Keeps every version's cells. */
    public static final Retention KEEP_ALL = new Retention(0, 0);

    public Retention {
        if (keepLast < 0) {
            throw new IllegalArgumentException("sink.retain-versions must be >= 0 (0 keeps every version), got "
                    + keepLast);
        }
        if (keepEvery < 0) {
            throw new IllegalArgumentException("sink.retain-every must be >= 0 (0 = none), got " + keepEvery);
        }
    }

    /** Whether older versions' cells are ever removed. */
    public boolean retires() {
        return keepLast > 0;
    }

    /** Whether a version older than the newest {@code keepLast} keeps its cells. */
    public boolean keepsOlder(long version, boolean isFinal) {
        return isFinal || (keepEvery > 0 && version % keepEvery == 0);
    }

    @Override
    public String toString() {
        return keepLast == 0 ? "every version's cells"
                : "the cells of the newest " + keepLast + " versions per model"
                        + (keepEvery > 0 ? ", of every multiple of " + keepEvery : "") + " and of final ones";
    }
}
