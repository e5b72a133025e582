package io.streamtrain.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Parses one JSON object per row, e.g. {@code {"x1": 0.5, "x2": -1.2, "label": 1}} or
 * {@code {"pixels": [0, 12, ...], "label": "Trouser"}}, into a block's arrays, or says why it
 * cannot.
 *
 * <p>Features come from named number fields, in the configured order, or from one array field
 * of numbers; the label from a named field (a class index, a class name, or regression targets:
 * one number per named field or one array). Other fields are skipped; a configured field that is
 * missing, repeated, null or of the wrong type rejects the row. Jackson's streaming parser reads
 * the bytes: one factory per operator, whose recycled buffers and canonical field-name table make
 * a parser per row cheap (Jackson parsers cannot be re-pointed at new input).
 */
public final class JsonRowFormat implements RowFormat {
    private static final long serialVersionUID = 1L;

    private final RowSchema schema;
    private final String[] featureFields;
    private final String featuresArray;
    private final String[] labelFields;

    private transient JsonFactory factory;
    /** Field name to its role: feature index ({@code >= 0}) or {@code -1 - k} for label field k. */
    private transient Map<String, Integer> roles;
    /** Per role (features first, then label fields), the number of the last row that set it. */
    private transient long[] seenInRow;
    private transient long rowNumber;

    /**
     * @param featureFields the feature fields in input order, or null with {@code featuresArray}
     * @param featuresArray the field holding every feature as an array, or null with {@code featureFields}
     * @param labelFields one field per label value, or one field holding an array of them (regression)
     */
    public JsonRowFormat(RowSchema schema, String[] featureFields, String featuresArray, String[] labelFields) {
        if ((featureFields == null) == (featuresArray == null)) {
            throw new IllegalArgumentException("features come from named fields or from one array field");
        }
        if (featureFields != null && featureFields.length != schema.features()) {
            throw new IllegalArgumentException(featureFields.length + " feature fields, the model needs " + schema.features());
        }
        if (labelFields.length != schema.labelWidth() && labelFields.length != 1) {
            throw new IllegalArgumentException(labelFields.length + " label fields, the model needs " + schema.labelWidth());
        }
        this.schema = schema;
        this.featureFields = featureFields == null ? null : featureFields.clone();
        this.featuresArray = featuresArray;
        this.labelFields = labelFields.clone();
    }

    @Override
    public int features() {
        return schema.features();
    }

    @Override
    public int labelWidth() {
        return schema.labelWidth();
    }

    private void init() {
        factory = JsonFactory.builder().enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();
        roles = new HashMap<>();
        if (featureFields != null) {
            for (int i = 0; i < featureFields.length; i++) {
                roles.put(featureFields[i], i);
            }
        } else {
            roles.put(featuresArray, 0);
        }
        for (int k = 0; k < labelFields.length; k++) {
            roles.put(labelFields[k], -1 - k);
        }
        seenInRow = new long[schema.features() + labelFields.length];
        Arrays.fill(seenInRow, -1);
    }

    @Override
    public String parse(byte[] row, float[] x, int xOffset, float[] y, int yOffset) {
        if (row.length > schema.maxRowBytes()) {
            return "row of " + row.length + " bytes exceeds data.max-row-bytes=" + schema.maxRowBytes();
        }
        if (factory == null) {
            init();
        }
        long number = rowNumber++;
        try (JsonParser p = factory.createParser(row)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return row.length == 0 ? "empty row" : "blank row (only whitespace)";
            }
            if (t != JsonToken.START_OBJECT) {
                return "not a JSON object: the row is " + describe(t);
            }
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                Integer role = roles.get(name);
                JsonToken value = p.nextToken();
                if (role == null) {
                    p.skipChildren();
                    continue;
                }
                int seen = role >= 0 ? role : schema.features() - 1 - role;
                if (seenInRow[seen] == number) {
                    return "field '" + name + "' appears twice";
                }
                seenInRow[seen] = number;
                String reason = role < 0 ? label(p, value, name, -1 - role, y, yOffset)
                        : featuresArray != null ? featureArray(p, value, name, x, xOffset)
                        : feature(p, value, name, x, xOffset + role);
                if (reason != null) {
                    return reason;
                }
            }
            if (t != JsonToken.END_OBJECT) {
                return "not valid JSON: expected a field name, got " + t;
            }
            if (p.nextToken() != null) {
                return "text after the JSON object";
            }
        } catch (JsonProcessingException e) {
            String message = e.getOriginalMessage();
            return "not valid JSON: " + (message.length() > 120 ? message.substring(0, 120) + "..." : message);
        } catch (IOException e) {
            return "not readable as JSON: " + e;
        }
        for (int i = 0; i < seenInRow.length; i++) {
            if (seenInRow[i] != number) {
                String missing = i < schema.features()
                        ? (featuresArray != null ? featuresArray : featureFields[i])
                        : labelFields[i - schema.features()];
                return "field '" + missing + "' is missing";
            }
            if (featuresArray != null && i == 0) {
                i = schema.features() - 1; // one array field stands for every feature
            }
        }
        return null;
    }

    private String feature(JsonParser p, JsonToken value, String name, float[] x, int at) throws IOException {
        if (!value.isNumeric()) {
            return "field '" + name + "' is " + describe(value) + ", not a number";
        }
        double v = p.getDoubleValue();
        if (!Double.isFinite(v)) {
            return "field '" + name + "' = " + p.getText() + " is not a finite number";
        }
        if (Math.abs(v) > schema.maxAbsValue()) {
            return "field '" + name + "' = " + v + " is beyond data.max-abs-value=" + schema.maxAbsValue();
        }
        x[at] = (float) (v * schema.featureScale());
        return null;
    }

    private String featureArray(JsonParser p, JsonToken value, String name, float[] x, int offset) throws IOException {
        if (value != JsonToken.START_ARRAY) {
            return "field '" + name + "' is " + describe(value) + ", not an array of " + schema.features() + " numbers";
        }
        int n = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (n >= schema.features()) {
                return "field '" + name + "' has more than " + schema.features() + " numbers";
            }
            String reason = feature(p, t, name + "[" + n + "]", x, offset + n);
            if (reason != null) {
                return reason;
            }
            n++;
        }
        if (n != schema.features()) {
            return "field '" + name + "' has " + n + " numbers, expected " + schema.features();
        }
        return null;
    }

    private String label(JsonParser p, JsonToken value, String name, int k, float[] y, int offset) throws IOException {
        if (labelFields.length == 1 && schema.labelWidth() > 1) {
            if (value != JsonToken.START_ARRAY) {
                return "label '" + name + "' is " + describe(value) + ", not an array of " + schema.labelWidth() + " numbers";
            }
            int n = 0;
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (n >= schema.labelWidth()) {
                    return "label '" + name + "' has more than " + schema.labelWidth() + " numbers";
                }
                String reason = target(p, t, name + "[" + n + "]", y, offset + n);
                if (reason != null) {
                    return reason;
                }
                n++;
            }
            return n == schema.labelWidth() ? null
                    : "label '" + name + "' has " + n + " numbers, expected " + schema.labelWidth();
        }
        if (!schema.classifier()) {
            return target(p, value, name, y, offset + k);
        }
        if (schema.namedClasses()) {
            if (value != JsonToken.VALUE_STRING) {
                return "label '" + name + "' is " + describe(value) + ", not " + schema.labelsAllowed();
            }
            int c = schema.classIndex(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
            if (c < 0) {
                String text = p.getText();
                return "label '" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "' is not "
                        + schema.labelsAllowed();
            }
            y[offset] = c;
            return null;
        }
        if (!value.isNumeric()) {
            return "label '" + name + "' is " + describe(value) + ", not " + schema.labelsAllowed();
        }
        double v = p.getDoubleValue();
        if (v != Math.rint(v) || v < 0 || v >= schema.classes()) {
            return "label " + p.getText() + " is not " + schema.labelsAllowed();
        }
        y[offset] = (float) v;
        return null;
    }

    private String target(JsonParser p, JsonToken value, String name, float[] y, int at) throws IOException {
        if (!value.isNumeric()) {
            return "label '" + name + "' is " + describe(value) + ", not a number";
        }
        double v = p.getDoubleValue();
        if (!Double.isFinite(v)) {
            return "label '" + name + "' = " + p.getText() + " is not a finite number";
        }
        if (Math.abs(v) > schema.maxAbsValue()) {
            return "label '" + name + "' = " + v + " is beyond data.max-abs-value=" + schema.maxAbsValue();
        }
        y[at] = (float) v;
        return null;
    }

    private static String describe(JsonToken t) {
        switch (t) {
            case VALUE_STRING:
                return "a string";
            case VALUE_NULL:
                return "null";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return "a boolean";
            case START_OBJECT:
                return "an object";
            case START_ARRAY:
                return "an array";
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return "a number";
            default:
                return t.toString();
        }
    }
}
