package io.streamtrain.data;

import ch.randelshofer.fastdoubleparser.JavaDoubleParser;
import java.io.Serializable;

/**
 * Parses one CSV row {@code f1,...,fn,label} straight from its bytes into a block's arrays, or
 * says why it cannot.
 *
 * <p>Features must be finite numbers within {@code +-maxAbsValue}; a classifier's label must be
 * an integer class index in {@code [0, classes)}, a regression's labels are {@code labelWidth}
 * finite numbers. Parsing works on the bytes ({@link JavaDoubleParser}), without building a
 * String per field: this runs once per training row.
 */
public final class CsvRowFormat implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int features;
    private final int labelWidth;
    private final int classes;
    private final boolean classifier;
    private final double maxAbsValue;
    private final int maxRowBytes;

    /**
     * @param classes number of classes for a classifier, 0 for regression
     */
    public CsvRowFormat(int features, int labelWidth, int classes, double maxAbsValue, int maxRowBytes) {
        this.features = features;
        this.labelWidth = labelWidth;
        this.classes = classes;
        this.classifier = classes > 0;
        this.maxAbsValue = maxAbsValue;
        this.maxRowBytes = maxRowBytes;
    }

    public int features() {
        return features;
    }

    public int labelWidth() {
        return labelWidth;
    }

    /**
     * Parses {@code row} into {@code x[xOffset..xOffset+features)} and
     * {@code y[yOffset..yOffset+labelWidth)}.
     *
     * @return null when the row was parsed, else the reason it was rejected (the arrays may then
     *     hold partial values, which the caller overwrites)
     */
    public String parse(byte[] row, float[] x, int xOffset, float[] y, int yOffset) {
        if (row.length > maxRowBytes) {
            return "row of " + row.length + " bytes exceeds data.max-row-bytes=" + maxRowBytes;
        }
        int end = row.length;
        while (end > 0 && (row[end - 1] == '\n' || row[end - 1] == '\r')) {
            end--;
        }
        if (end == 0) {
            return "empty row";
        }
        int expected = features + labelWidth;
        int field = 0;
        int start = 0;
        for (int i = 0; i <= end; i++) {
            if (i < end) {
                byte b = row[i];
                if (b == ',') {
                    // fall through to field end
                } else if (b < 0x20 || b > 0x7e) {
                    return "byte 0x" + Integer.toHexString(b & 0xff) + " at position " + i
                            + " is not part of a CSV number row";
                } else {
                    continue;
                }
            }
            if (field >= expected) {
                return "expected " + expected + " fields (" + features + " features, " + labelWidth
                        + " label), got more";
            }
            String reason = field < features
                    ? parseFeature(row, start, i, field, x, xOffset + field)
                    : parseLabel(row, start, i, field, y, yOffset + field - features);
            if (reason != null) {
                return reason;
            }
            field++;
            start = i + 1;
        }
        if (field != expected) {
            return "expected " + expected + " fields (" + features + " features, " + labelWidth
                    + " label), got " + field;
        }
        return null;
    }

    private String parseFeature(byte[] row, int from, int to, int field, float[] x, int at) {
        double v;
        try {
            v = number(row, from, to);
        } catch (NumberFormatException e) {
            return "field " + (field + 1) + " '" + text(row, from, to) + "' is not a number";
        }
        if (!Double.isFinite(v)) {
            return "field " + (field + 1) + " is " + v;
        }
        if (Math.abs(v) > maxAbsValue) {
            return "field " + (field + 1) + " = " + v + " is beyond data.max-abs-value=" + maxAbsValue;
        }
        x[at] = (float) v;
        return null;
    }

    private String parseLabel(byte[] row, int from, int to, int field, float[] y, int at) {
        double v;
        try {
            v = number(row, from, to);
        } catch (NumberFormatException e) {
            return "label '" + text(row, from, to) + "' is not a number";
        }
        if (!Double.isFinite(v)) {
            return "label is " + v;
        }
        if (classifier) {
            if (v != Math.rint(v) || v < 0 || v >= classes) {
                return "label '" + text(row, from, to) + "' is not a class index in [0, " + classes + ")";
            }
        } else if (Math.abs(v) > maxAbsValue) {
            return "label = " + v + " is beyond data.max-abs-value=" + maxAbsValue;
        }
        y[at] = (float) v;
        return null;
    }

    private static double number(byte[] row, int from, int to) {
        while (from < to && row[from] == ' ') {
            from++;
        }
        while (to > from && row[to - 1] == ' ') {
            to--;
        }
        if (from == to) {
            throw new NumberFormatException("empty");
        }
        return JavaDoubleParser.parseDouble(row, from, to - from);
    }

    private static String text(byte[] row, int from, int to) {
        int len = Math.min(to - from, 40);
        return new String(row, from, len, java.nio.charset.StandardCharsets.US_ASCII) + (to - from > len ? "..." : "");
    }
}
