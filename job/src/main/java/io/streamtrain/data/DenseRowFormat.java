package io.streamtrain.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The compact binary row format ({@code data.format: dense}), version 1: one Kafka message per
 * row, little-endian, fixed length for a given model.
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

    @Override
    public String parse(byte[] row, float[] x, int xOffset, float[] y, int yOffset) {
        if (row.length > schema.maxRowBytes()) {
            return "row of " + row.length + " bytes exceeds data.max-row-bytes=" + schema.maxRowBytes();
        }
        if (row.length < HEADER || row[0] != MAGIC_0 || row[1] != MAGIC_1) {
            return "not a dense row (data.format=dense rows start with the bytes 'S' 'D')";
        }
        if (row[2] != VERSION) {
            return "dense row version " + (row[2] & 0xff) + " is not supported (only " + VERSION + ")";
        }
        byte type = row[3];
        if (type != UINT8 && type != FLOAT32) {
            return "dense row feature type " + (type & 0xff) + " is neither 1 (uint8) nor 4 (float32)";
        }
        int n = schema.features();
        int lw = schema.labelWidth();
        int expected = rowBytes(n, lw, type);
        if (row.length != expected) {
            return "dense row of " + row.length + " bytes, expected " + expected + " (" + n + " "
                    + (type == UINT8 ? "uint8" : "float32") + " features, " + lw + " label value" + (lw == 1 ? "" : "s") + ")";
        }
        int at = HEADER;
        if (schema.classifier()) {
            int label = intAt(row, at);
            if (label < 0 || label >= schema.classes()) {
                return "label " + label + " is not a class index in [0, " + schema.classes() + ")";
            }
            y[yOffset] = label;
            at += 4;
        } else {
            for (int k = 0; k < lw; k++, at += 4) {
                float v = Float.intBitsToFloat(intAt(row, at));
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
                    if ((row[at + i] & 0xff) > schema.maxAbsValue()) {
                        return "feature " + (i + 1) + " = " + (row[at + i] & 0xff) + " is beyond data.max-abs-value="
                                + schema.maxAbsValue();
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                x[xOffset + i] = (row[at + i] & 0xff) * scale;
            }
        } else {
            for (int i = 0; i < n; i++, at += 4) {
                float v = Float.intBitsToFloat(intAt(row, at));
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
