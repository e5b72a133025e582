package io.streamtrain.data;

import io.streamtrain.config.ConfigException;
import io.streamtrain.config.DataOptions;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.nn.Architecture;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Builds the row format of a configuration ({@code data.*}), checked against the model's shape. */
public final class RowFormats {
    private RowFormats() {}

    /** The settings every format shares; fails naming the key when they do not fit the model. */
    public static RowSchema schema(StreamtrainConfig config, Architecture arch) {
        List<String> classes = names(config.get(DataOptions.CLASSES));
        if (!classes.isEmpty()) {
            if (!arch.isClassifier()) {
                throw new ConfigException(DataOptions.CLASSES.key() + ": a regression (model.output=identity) has no classes");
            }
            if (classes.size() != arch.classes()) {
                throw new ConfigException(DataOptions.CLASSES.key() + " names " + classes.size() + " classes, the model ("
                        + arch + ") has " + arch.classes());
            }
            if (new HashSet<>(classes).size() != classes.size()) {
                throw new ConfigException(DataOptions.CLASSES.key() + ": " + classes + " names a class twice");
            }
        }
        double scale = config.get(DataOptions.FEATURE_SCALE);
        if (!(Double.isFinite(scale) && scale > 0)) {
            throw new ConfigException(DataOptions.FEATURE_SCALE.key() + ": " + scale + " must be a finite number > 0");
        }
        return new RowSchema(arch.inputs(), arch.labelWidth(), arch.isClassifier() ? arch.classes() : 0, classes, scale,
                config.get(DataOptions.MAX_ABS_VALUE), config.get(DataOptions.MAX_ROW_BYTES));
    }

    /** The row format of {@code data.format} and its column or field settings. */
    public static RowFormat fromConfig(StreamtrainConfig config, Architecture arch) {
        RowSchema schema = schema(config, arch);
        String format = config.get(DataOptions.FORMAT);
        switch (format) {
            case "csv":
                return csv(config, schema);
            case "json":
                return json(config, schema);
            case "dense":
                if (!names(config.get(DataOptions.COLUMNS)).isEmpty()) {
                    throw new ConfigException(DataOptions.COLUMNS.key() + " names CSV columns; data.format=dense rows "
                            + "are the label, then the features, by position");
                }
                return new DenseRowFormat(schema);
            default:
                throw new ConfigException(DataOptions.FORMAT.key() + ": must be csv, json or dense, got '" + format + "'");
        }
    }

    private static CsvRowFormat csv(StreamtrainConfig config, RowSchema schema) {
        List<String> columns = names(config.get(DataOptions.COLUMNS));
        List<String> features = names(config.get(DataOptions.FEATURES));
        if (columns.isEmpty()) {
            if (!features.isEmpty()) {
                throw new ConfigException(DataOptions.FEATURES.key() + " names CSV columns, so " + DataOptions.COLUMNS.key()
                        + " must name every column of a row (or the file needs a header line)");
            }
            return CsvRowFormat.positional(schema);
        }
        if (new HashSet<>(columns).size() != columns.size()) {
            throw new ConfigException(DataOptions.COLUMNS.key() + ": " + columns + " names a column twice");
        }
        List<String> labels = labels(config, schema);
        for (String label : labels) {
            if (!columns.contains(label)) {
                throw new ConfigException(DataOptions.LABEL.key() + ": '" + label + "' is not one of "
                        + DataOptions.COLUMNS.key() + " " + columns);
            }
        }
        if (features.isEmpty()) {
            features = new ArrayList<>(columns);
            features.removeAll(labels);
        }
        checkFeatures(features, schema);
        int[] roles = new int[columns.size()];
        for (int c = 0; c < columns.size(); c++) {
            String name = columns.get(c);
            int f = features.indexOf(name);
            int l = labels.indexOf(name);
            if (f >= 0 && l >= 0) {
                throw new ConfigException(DataOptions.FEATURES.key() + ": '" + name + "' is also the label ("
                        + DataOptions.LABEL.key() + ")");
            }
            roles[c] = f >= 0 ? f : l >= 0 ? -1 - l : CsvRowFormat.IGNORED;
        }
        for (String f : features) {
            if (!columns.contains(f)) {
                throw new ConfigException(DataOptions.FEATURES.key() + ": '" + f + "' is not one of "
                        + DataOptions.COLUMNS.key() + " " + columns);
            }
        }
        return new CsvRowFormat(schema, roles, columns.toArray(new String[0]));
    }

    private static JsonRowFormat json(StreamtrainConfig config, RowSchema schema) {
        List<String> features = names(config.get(DataOptions.FEATURES));
        List<String> labels = labels(config, schema);
        if (!names(config.get(DataOptions.COLUMNS)).isEmpty()) {
            throw new ConfigException(DataOptions.COLUMNS.key() + " names CSV columns; with data.format=json name the "
                    + "fields in " + DataOptions.FEATURES.key() + " and " + DataOptions.LABEL.key());
        }
        if (features.isEmpty()) {
            String array = config.get(DataOptions.FEATURES_ARRAY).trim();
            if (array.isEmpty()) {
                throw new ConfigException("data.format=json needs the feature fields: " + DataOptions.FEATURES.key()
                        + " (one number field each) or " + DataOptions.FEATURES_ARRAY.key() + " (one array field)");
            }
            if (labels.contains(array)) {
                throw new ConfigException(DataOptions.FEATURES_ARRAY.key() + ": '" + array + "' is also the label ("
                        + DataOptions.LABEL.key() + ")");
            }
            return new JsonRowFormat(schema, null, array, labels.toArray(new String[0]));
        }
        checkFeatures(features, schema);
        for (String f : features) {
            if (labels.contains(f)) {
                throw new ConfigException(DataOptions.FEATURES.key() + ": '" + f + "' is also the label ("
                        + DataOptions.LABEL.key() + ")");
            }
        }
        return new JsonRowFormat(schema, features.toArray(new String[0]), null, labels.toArray(new String[0]));
    }

    private static List<String> labels(StreamtrainConfig config, RowSchema schema) {
        List<String> labels = names(config.get(DataOptions.LABEL));
        boolean jsonArray = config.get(DataOptions.FORMAT).equals("json") && labels.size() == 1;
        if (labels.size() != schema.labelWidth() && !jsonArray) {
            throw new ConfigException(DataOptions.LABEL.key() + " names " + labels.size() + " label columns, the model needs "
                    + schema.labelWidth() + (schema.classifier() ? " (a class)" : " (one per output)"));
        }
        if (new HashSet<>(labels).size() != labels.size()) {
            throw new ConfigException(DataOptions.LABEL.key() + ": " + labels + " names a column twice");
        }
        return labels;
    }

    private static void checkFeatures(List<String> features, RowSchema schema) {
        Set<String> unique = new HashSet<>(features);
        if (unique.size() != features.size()) {
            throw new ConfigException(DataOptions.FEATURES.key() + ": " + features + " names a feature twice");
        }
        if (features.size() != schema.features()) {
            throw new ConfigException(DataOptions.FEATURES.key() + ": " + features.size() + " features " + features
                    + ", but the model's first layer (model.layers) has " + schema.features() + " inputs");
        }
    }

    /** The non-blank names of a list setting (an empty YAML list arrives as one blank entry). */
    public static List<String> names(List<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            if (!v.isBlank()) {
                out.add(v.trim());
            }
        }
        return out;
    }
}
