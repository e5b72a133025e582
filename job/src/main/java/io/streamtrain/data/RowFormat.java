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

    /**
     * The rows in one message: 1 for the text formats; the dense format may carry several
     * fixed-length rows back to back ({@code data.rows-per-message}).
     */
    default int rowsIn(byte[] message) {
        return 1;
    }

    /**
     * Parses row {@code row} (from 0, below {@link #rowsIn}) of {@code message}, as
     * {@link #parse(byte[], float[], int, float[], int)} parses a message of one row.
     */
    default String parse(byte[] message, int row, float[] x, int xOffset, float[] y, int yOffset) {
        return parse(message, x, xOffset, y, yOffset);
    }

    /** The bytes of row {@code row} of {@code message}, as a dead letter carries them: the message itself when it holds one row. */
    default byte[] row(byte[] message, int row) {
        return message;
    }

    /**
     * Copies the features of row {@code row} of {@code message}, which {@link #parse} accepted,
     * as unsigned 8-bit values into {@code into[offset..offset+features)}, when the row carries
     * them so (the dense format's uint8 rows); each times {@link #scale8()} is the float parse
     * wrote. Blocks whose rows all have 8-bit features travel and wait in that form.
     *
     * @return false, copying nothing, when the row's features are not 8-bit values
     */
    default boolean features8(byte[] message, int row, byte[] into, int offset) {
        return false;
    }

    /** The factor of {@link #features8}'s values, the one {@link #parse} applies. */
    default float scale8() {
        return 1f;
    }
}
