package io.streamtrain.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The compact binary row format ({@code data.format: dense}), version 1: little-endian rows of a
 * fixed length for a given model, one or several back to back in a Kafka message.
 *
 * <pre>
 *   offset 0  'S' 'D'        magic ("streamtrain dense")
 *   offset 2  1              format version
 *   offset 3  feature type   1 = unsigned 8-bit integers, 4 = 32-bit IEEE floats
 *   offset 4  label          a classifier: the class index as int32;
 *                            a regression: labelWidth float32 targets
 *   then      features       n values of the feature type
 * </pre>
 *
 * Every feature is multiplied by {@code data.feature-scale} when parsed, so 8-bit pixels with a
 * scale of 1/255 reach the model in [0, 1]. Written by hand because it is the point: a
 * Fashion-MNIST image is 792 bytes in this format against about 2,200 as CSV integers, and
 * parsing it is a loop over bytes with no number syntax at all.
 *
 * <p>Rows are self-describing and of one length, so a message of k times that length carries k
 * rows ({@code data.rows-per-message}): the consumer's and the source's work per Kafka record is
 * then shared by k rows. Each row is checked on its own and a bad one goes to the dead letters
 * alone, as its own bytes, while the rest of its message is trained on.
 */
public final class DenseRowFormat implements RowFormat {
    private static final long serialVersionUID = 1L;

    public static final byte MAGIC_0 = 'S';
    public static final byte MAGIC_1 = 'D';
    public static final byte VERSION = 1;
    public static final byte UINT8 = 1;
    public static final byte FLOAT32 = 4;
    static final int HEADER = 4;

    private final RowSchema schema;
    private final float scale;

    public DenseRowFormat(RowSchema schema) {
        this.schema = schema;
        this.scale = (float) schema.featureScale();
    }

    @Override
    public int features() {
        return schema.features();
    }

    @Override
    public int labelWidth() {
        return schema.labelWidth();
    }

    /** Bytes of a row with {@code features} features of the given type and a label of {@code labelWidth}. */
    public static int rowBytes(int features, int labelWidth, byte featureType) {
        return HEADER + 4 * labelWidth + features * (featureType == UINT8 ? 1 : 4);
    }

    /**
     * The rows in {@code message}: its length over the length of a row of the feature type its
     * first row names, when that divides it; else 1 (the message is then parsed, and rejected,
     * as one row, with the reason).
     */
    @Override
    public int rowsIn(byte[] message) {
        if (message.length < HEADER || message[0] != MAGIC_0 || message[1] != MAGIC_1 || message[2] != VERSION
                || (message[3] != UINT8 && message[3] != FLOAT32)) {
            return 1;
        }
        int rowBytes = rowBytes(schema.features(), schema.labelWidth(), message[3]);
        return message.length > rowBytes && message.length % rowBytes == 0 ? message.length / rowBytes : 1;
    }

    @Override
    public byte[] row(byte[] message, int row) {
        if (row == 0 && rowsIn(message) == 1) {
            return message;
        }
        int rowBytes = message.length / rowsIn(message);
        return Arrays.copyOfRange(message, row * rowBytes, (row + 1) * rowBytes);
    }

    @Override
    public boolean features8(byte[] message, int row, byte[] into, int offset) {
        int rowBytes = message.length / rowsIn(message);
        int from = row * rowBytes;
        if (message[from + 3] != UINT8) {
            return false;
        }
        System.arraycopy(message, from + HEADER + 4 * schema.labelWidth(), into, offset, schema.features());
        return true;
    }

    @Override
    public float scale8() {
        return scale;
    }

    @Override
    public String parse(byte[] message, int row, float[] x, int xOffset, float[] y, int yOffset) {
        int rows = rowsIn(message);
        if (rows == 1) {
            return parse(message, x, xOffset, y, yOffset);
        }
        int rowBytes = message.length / rows;
        return parse(message, row * rowBytes, rowBytes, x, xOffset, y, yOffset);
    }

    @Override
    public String parse(byte[] row, float[] x, int xOffset, float[] y, int yOffset) {
        if (row.length > schema.maxRowBytes()) {
            return "row of " + row.length + " bytes exceeds data.max-row-bytes=" + schema.maxRowBytes();
        }
        return parse(row, 0, row.length, x, xOffset, y, yOffset);
    }

    /** Parses the row in {@code b[from..from+length)}. */
    private String parse(byte[] b, int from, int length, float[] x, int xOffset, float[] y, int yOffset) {
        if (length < HEADER || b[from] != MAGIC_0 || b[from + 1] != MAGIC_1) {
            return "not a dense row (data.format=dense rows start with the bytes 'S' 'D')";
        }
        if (b[from + 2] != VERSION) {
            return "dense row version " + (b[from + 2] & 0xff) + " is not supported (only " + VERSION + ")";
        }
        byte type = b[from + 3];
        if (type != UINT8 && type != FLOAT32) {
            return "dense row feature type " + (type & 0xff) + " is neither 1 (uint8) nor 4 (float32)";
        }
        int n = schema.features();
        int lw = schema.labelWidth();
        int expected = rowBytes(n, lw, type);
        if (length != expected) {
            return "dense row of " + length + " bytes, expected " + expected + " (" + n + " "
                    + (type == UINT8 ? "uint8" : "float32") + " features, " + lw + " label value" + (lw == 1 ? "" : "s")
                    + ") or a message of several such rows";
        }
        int at = from + HEADER;
        if (schema.classifier()) {
            int label = intAt(b, at);
            if (label < 0 || label >= schema.classes()) {
                return "label " + label + " is not a class index in [0, " + schema.classes() + ")";
            }
            y[yOffset] = label;
            at += 4;
        } else {
            for (int k = 0; k < lw; k++, at += 4) {
                float v = Float.intBitsToFloat(intAt(b, at));
                if (!Float.isFinite(v) || Math.abs(v) > schema.maxAbsValue()) {
                    return "label value " + (k + 1) + " = " + v + (Float.isFinite(v)
                            ? " is beyond data.max-abs-value=" + schema.maxAbsValue() : " is not finite");
                }
                y[yOffset + k] = v;
            }
        }
        if (type == UINT8) {
            // 0..255 is always finite and within any sensible data.max-abs-value: checked once
            if (255 > schema.maxAbsValue()) {
                for (int i = 0; i < n; i++) {
                    if ((b[at + i] & 0xff) > schema.maxAbsValue()) {
                        return "feature " + (i + 1) + " = " + (b[at + i] & 0xff) + " is beyond data.max-abs-value="
                                + schema.maxAbsValue();
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                x[xOffset + i] = (b[at + i] & 0xff) * scale;
            }
        } else {
            for (int i = 0; i < n; i++, at += 4) {
                float v = Float.intBitsToFloat(intAt(b, at));
                if (!Float.isFinite(v) || Math.abs(v) > schema.maxAbsValue()) {
                    return "feature " + (i + 1) + " = " + v + (Float.isFinite(v)
                            ? " is beyond data.max-abs-value=" + schema.maxAbsValue() : " is not finite");
                }
                x[xOffset + i] = v * scale;
            }
        }
        return null;
    }

    private static int intAt(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    /** A classifier row with 8-bit features (e.g. pixels). */
    public static byte[] encode(int label, byte[] features, int from, int n) {
        ByteBuffer b = header(n, 1, UINT8);
        b.putInt(label);
        b.put(features, from, n);
        return b.array();
    }

    /** A classifier row with float features. */
    public static byte[] encode(int label, float[] features, int from, int n) {
        ByteBuffer b = header(n, 1, FLOAT32);
        b.putInt(label);
        for (int i = 0; i < n; i++) {
            b.putFloat(features[from + i]);
        }
        return b.array();
    }

    /** A regression row with float features and targets. */
    public static byte[] encodeRegression(float[] targets, float[] features, int from, int n) {
        ByteBuffer b = header(n, targets.length, FLOAT32);
        for (float t : targets) {
            b.putFloat(t);
        }
        for (int i = 0; i < n; i++) {
            b.putFloat(features[from + i]);
        }
        return b.array();
    }

    private static ByteBuffer header(int features, int labelWidth, byte type) {
        ByteBuffer b = ByteBuffer.allocate(rowBytes(features, labelWidth, type)).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC_0).put(MAGIC_1).put(VERSION).put(type);
        return b;
    }
}
