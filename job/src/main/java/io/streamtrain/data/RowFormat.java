package io.streamtrain.data;

import java.io.Serializable;

/**
 * How the bytes of one training row become a row of a block: features into a float array, the
 * label (a class index, or regression targets) into another, or the reason the row does not fit.
 *
 * <p>Implementations run once per training row on the hot path: they parse in place, without a
 * String per field, and never throw on bad input. They are not thread-safe (one per operator).
 */
public interface RowFormat extends Serializable {

    /** Floats written per row into the features array: the model's input size. */
    int features();

    /** Floats written per row into the labels array: 1 (a class index) for classifiers, else one per output. */
    int labelWidth();

    /**
     * Parses {@code row} into {@code x[xOffset..xOffset+features)} and
     * {@code y[yOffset..yOffset+labelWidth)}.
     *
     * @return null when the row was parsed, else the reason it was rejected (the arrays may then
     *     hold partial values, which the caller overwrites); a reason that comes from a limit names
     *     the setting to change
     */
    String parse(byte[] row, float[] x, int xOffset, float[] y, int yOffset);
}
