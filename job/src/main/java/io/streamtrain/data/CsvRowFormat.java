package io.streamtrain.data;

import ch.randelshofer.fastdoubleparser.JavaDoubleParser;
import java.nio.charset.StandardCharsets;

/**
 * Parses one CSV row straight from its bytes into a block's arrays, or says why it cannot.
 *
 * <p>Each column of the row has a role: a feature (at a given input position), a label value, or
 * ignored. By position ({@link #positional}) the row is the features then the label; by name the
 * roles come from the configured column names ({@code data.columns}, {@code data.features},
 * {@code data.label}). A field may be quoted ({@code "T-shirt/top"}); the quotes are not part of
 * the value and a quoted field may hold commas (doubled quotes inside are not unescaped).
 *
 * <p>Features must be finite numbers within {@code +-maxAbsValue} (before the feature scale);
 * a classifier's label is an integer class index in {@code [0, classes)} or one of the class
 * names; a regression's labels are finite numbers. This runs once per training row, so it works
 * on the bytes: integers (the common case of pixels) are read by a digit loop, other numbers by
 * {@link JavaDoubleParser} on the byte range, and class names are compared as bytes; nothing is
 * allocated for a row that parses.
 */
public final class CsvRowFormat implements RowFormat {
    private static final long serialVersionUID = 1L;

    /** The role of a column that is neither a feature nor a label. */
    public static final int IGNORED = Integer.MIN_VALUE;

    private static final String NOT_TEXT = " is not text";

    private final RowSchema schema;
    private final int[] roles;
    private final String[] columnNames;
    private final double scale;

    /**
     * @param roles per column: the feature index ({@code >= 0}), {@code -1 - k} for label value k,
     *     or {@link #IGNORED}; every feature and label index must appear exactly once
     * @param columnNames per column, for the reasons of rejected rows; null when by position
     */
    public CsvRowFormat(RowSchema schema, int[] roles, String[] columnNames) {
        int features = 0;
        int labels = 0;
        for (int role : roles) {
            if (role >= 0) {
                features++;
            } else if (role != IGNORED) {
                labels++;
            }
        }
        if (features != schema.features() || labels != schema.labelWidth()) {
            throw new IllegalArgumentException("columns hold " + features + " features and " + labels
                    + " label values, the model needs " + schema.features() + " and " + schema.labelWidth());
        }
        this.schema = schema;
        this.roles = roles.clone();
        this.columnNames = columnNames == null ? null : columnNames.clone();
        this.scale = schema.featureScale();
    }

    /** Rows of the features, then the label value(s), by position. */
    public static CsvRowFormat positional(RowSchema schema) {
        int[] roles = new int[schema.features() + schema.labelWidth()];
        for (int i = 0; i < roles.length; i++) {
            roles[i] = i < schema.features() ? i : -1 - (i - schema.features());
        }
        return new CsvRowFormat(schema, roles, null);
    }

    @Override
    public int features() {
        return schema.features();
    }

    @Override
    public int labelWidth() {
        return schema.labelWidth();
    }

    /** Columns a row must have. */
    public int columns() {
        return roles.length;
    }

    @Override
    public String parse(byte[] row, float[] x, int xOffset, float[] y, int yOffset) {
        if (row.length > schema.maxRowBytes()) {
            return "row of " + row.length + " bytes exceeds data.max-row-bytes=" + schema.maxRowBytes();
        }
        int end = row.length;
        while (end > 0 && (row[end - 1] == '\n' || row[end - 1] == '\r')) {
            end--;
        }
        if (end == 0) {
            return "empty row";
        }
        String reason = parseFields(row, end, x, xOffset, y, yOffset);
        return reason == null ? null : explain(row, end, reason);
    }

    /**
     * A clearer reason for a rejected row when the whole row is the problem, found only once the
     * row failed (so a row that parses pays nothing for it): a row of only whitespace, or bytes
     * that are not UTF-8 text, say so instead of naming the first field that did not parse.
     */
    private static String explain(byte[] row, int end, String reason) {
        if (Utf8.isBlank(row, 0, end)) {
            return "blank row (only whitespace)";
        }
        if (reason.endsWith(NOT_TEXT)) {
            return reason;
        }
        String invalid = Utf8.firstError(row, 0, end);
        return invalid == null ? reason : "not valid UTF-8: " + invalid;
    }

    private String parseFields(byte[] row, int end, float[] x, int xOffset, float[] y, int yOffset) {
        int column = 0;
        int i = 0;
        while (true) {
            if (column >= roles.length) {
                return "expected " + expectation() + ", got more";
            }
            int from;
            int to;
            if (i < end && row[i] == '"') {
                from = i + 1;
                to = from;
                while (to < end && row[to] != '"') {
                    to++;
                }
                if (to == end) {
                    return field(column) + ": the quote is not closed";
                }
                i = to + 1;
                if (i < end && row[i] != ',') {
                    return field(column) + ": text after the closing quote";
                }
            } else {
                from = i;
                while (i < end && row[i] != ',') {
                    i++;
                }
                to = i;
            }
            for (int b = from; b < to; b++) {
                int v = row[b] & 0xff;
                // control characters, and bytes that never occur in UTF-8 text: binary garbage
                if (v < 0x20 || v == 0x7f || v == 0xc0 || v == 0xc1 || v >= 0xf5) {
                    return "byte 0x" + Integer.toHexString(v) + " at position " + b + NOT_TEXT;
                }
            }
            int role = roles[column];
            String reason = role >= 0 ? feature(row, from, to, column, x, xOffset + role)
                    : role == IGNORED ? null
                    : label(row, from, to, column, y, yOffset - 1 - role);
            if (reason != null) {
                return reason;
            }
            column++;
            if (i >= end) {
                break;
            }
            i++; // the comma; a row that ends with one has an empty last field
        }
        if (column != roles.length) {
            return "expected " + expectation() + ", got " + column;
        }
        return null;
    }

    private String feature(byte[] row, int from, int to, int column, float[] x, int at) {
        if (onlySpaces(row, from, to)) {
            return field(column) + " is empty";
        }
        double v;
        try {
            v = number(row, from, to);
        } catch (NumberFormatException e) {
            return field(column) + " '" + text(row, from, to) + "' is not a number";
        }
        if (!Double.isFinite(v)) {
            return field(column) + " '" + text(row, from, to).trim() + "' is not a finite number";
        }
        if (Math.abs(v) > schema.maxAbsValue()) {
            return field(column) + " = " + v + " is beyond data.max-abs-value=" + schema.maxAbsValue();
        }
        x[at] = (float) (v * scale);
        return null;
    }

    private String label(byte[] row, int from, int to, int column, float[] y, int at) {
        if (schema.namedClasses()) {
            int a = from;
            int b = to;
            while (a < b && row[a] == ' ') {
                a++;
            }
            while (b > a && row[b - 1] == ' ') {
                b--;
            }
            int c = schema.classIndex(row, a, b);
            if (c < 0) {
                return "label '" + text(row, from, to) + "' is not " + schema.labelsAllowed();
            }
            y[at] = c;
            return null;
        }
        if (onlySpaces(row, from, to)) {
            return "label is empty";
        }
        double v;
        try {
            v = number(row, from, to);
        } catch (NumberFormatException e) {
            return "label '" + text(row, from, to) + "' is not a number";
        }
        if (!Double.isFinite(v)) {
            return "label '" + text(row, from, to).trim() + "' is not a finite number";
        }
        if (schema.classifier()) {
            if (v != Math.rint(v) || v < 0 || v >= schema.classes()) {
                return "label '" + text(row, from, to) + "' is not " + schema.labelsAllowed();
            }
        } else if (Math.abs(v) > schema.maxAbsValue()) {
            return "label = " + v + " is beyond data.max-abs-value=" + schema.maxAbsValue();
        }
        y[at] = (float) v;
        return null;
    }

    private static boolean onlySpaces(byte[] row, int from, int to) {
        for (int i = from; i < to; i++) {
            if (row[i] != ' ') {
                return false;
            }
        }
        return true;
    }

    /**
     * The number in {@code [from, to)}, spaces around it ignored. Plain integers of up to 9
     * digits (pixels, class indices) take a digit loop; everything else FastDoubleParser.
     */
    static double number(byte[] row, int from, int to) {
        while (from < to && row[from] == ' ') {
            from++;
        }
        while (to > from && row[to - 1] == ' ') {
            to--;
        }
        if (from == to) {
            throw new NumberFormatException("empty");
        }
        int start = row[from] == '-' ? from + 1 : from;
        if (to - start >= 1 && to - start <= 9) {
            int n = 0;
            int b = start;
            for (; b < to; b++) {
                int d = row[b] - '0';
                if (d < 0 || d > 9) {
                    break;
                }
                n = n * 10 + d;
            }
            if (b == to) {
                return start > from ? -n : n;
            }
        }
        return JavaDoubleParser.parseDouble(row, from, to - from);
    }

    private String field(int column) {
        return columnNames != null
                ? "column '" + columnNames[column] + "' (field " + (column + 1) + ")"
                : "field " + (column + 1);
    }

    private String expectation() {
        return roles.length + " fields (" + schema.features() + " features, " + schema.labelWidth() + " label"
                + (roles.length > schema.features() + schema.labelWidth() ? ", others ignored" : "") + ")";
    }

    static String text(byte[] row, int from, int to) {
        int len = Math.min(to - from, 40);
        return new String(row, from, len, StandardCharsets.UTF_8) + (to - from > len ? "..." : "");
    }
}
