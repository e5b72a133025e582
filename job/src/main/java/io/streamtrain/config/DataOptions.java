package io.streamtrain.config;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.util.List;
import org.apache.flink.configuration.ConfigOption;

/** The rows: their format, limits, and the data set that `local` and `produce` stream. */
public final class DataOptions {
    private DataOptions() {}

    public static final ConfigOption<String> FORMAT = key("data.format").stringType().defaultValue("csv")
            .withDescription("Row format: csv (one row per message, comma-separated), json (one object per message) or "
                    + "dense (binary: the label, then 8-bit or float32 features; see README \"Row formats\").");

    public static final ConfigOption<List<String>> COLUMNS = key("data.columns").stringType().asList().defaultValues()
            .withDescription("CSV: the names of the columns of a row, in order, so that data.features and data.label "
                    + "can name them; empty = by position: the features, then the label.");

    public static final ConfigOption<List<String>> FEATURES = key("data.features").stringType().asList()
            .defaultValues()
            .withDescription("The feature columns (CSV with data.columns) or fields (JSON), in model input order; "
                    + "empty = every column but the label (CSV) or the array field data.features-array (JSON).");

    public static final ConfigOption<String> FEATURES_ARRAY = key("data.features-array").stringType()
            .defaultValue("features")
            .withDescription("JSON, when data.features is empty: the field holding every feature as an array of numbers.");

    public static final ConfigOption<List<String>> LABEL = key("data.label").stringType().asList()
            .defaultValues("label")
            .withDescription("The label column (CSV with data.columns) or field (JSON); a regression names one per "
                    + "output, or (JSON) one field holding an array.");

    public static final ConfigOption<List<String>> CLASSES = key("data.classes").stringType().asList()
            .defaultValues()
            .withDescription("Class names in class-index order: labels are these strings; empty = labels are "
                    + "class indices 0..k-1.");

    public static final ConfigOption<Double> FEATURE_SCALE = key("data.feature-scale").doubleType().defaultValue(1.0)
            .withDescription("Every feature is multiplied by this after parsing, e.g. 0.00392156862745098 (1/255) "
                    + "for integer pixels 0..255.");

    public static final ConfigOption<Double> MAX_ABS_VALUE = key("data.max-abs-value").doubleType()
            .defaultValue(1e6).withDescription("Feature values beyond +-this (before data.feature-scale) are rejected "
                    + "to the dead-letter topic.");

    public static final ConfigOption<Integer> MAX_ROW_BYTES = key("data.max-row-bytes").intType()
            .defaultValue(1 << 20).withDescription("Rows longer than this many bytes are rejected to the dead-letter topic.");

    public static final ConfigOption<String> GENERATOR = key("data.generator").stringType().defaultValue("seed")
            .withDescription("Data set streamed by `local` and `produce`: seed (x1, x2 ~ N(0,1), y = [x1 + x2 > 0]), "
                    + "fashion-mnist (the Debian package dataset-fashion-mnist) or file (data.file).");

    public static final ConfigOption<String> FILE = key("data.file").stringType().defaultValue("")
            .withDescription("data.generator=file: a CSV or JSON (one object per line, or an array) file of rows "
                    + "in data.format.");

    public static final ConfigOption<String> HOLDOUT_FILE = key("data.holdout-file").stringType().defaultValue("")
            .withDescription("data.generator=file: a file of held-out rows; empty = a seeded data.holdout-fraction "
                    + "of data.file is held out.");

    public static final ConfigOption<Double> HOLDOUT_FRACTION = key("data.holdout-fraction").doubleType()
            .defaultValue(0.1)
            .withDescription("data.generator=file without data.holdout-file: the share of the file's rows held out, "
                    + "chosen by data.seed, in [0, 1).");

    public static final ConfigOption<String> HEADER = key("data.header").stringType().defaultValue("auto")
            .withDescription("CSV files: whether the first line names the columns (and gives data.columns when it "
                    + "is empty): true, false, or auto (when none of its fields is a number).");

    public static final ConfigOption<String> FASHION_MNIST_DIR = key("data.fashion-mnist-dir").stringType()
            .defaultValue("/usr/share/datasets/fashion-mnist")
            .withDescription("Where the Fashion-MNIST IDX files (train-images-idx3-ubyte.gz, ...) are.");

    public static final ConfigOption<List<Integer>> CLASSES_FILTER = key("data.classes-filter").intType().asList()
            .defaultValues()
            .withDescription("fashion-mnist: keep only these classes, renumbered 0..k-1 in this order "
                    + "(e.g. [0, 1]); empty = all ten.");

    public static final ConfigOption<Long> ROWS = key("data.rows").longType().defaultValue(100_000L)
            .withDescription("Training rows per pass: seed generates this many; a data set or file stops after "
                    + "this many (0 = all of it).");

    public static final ConfigOption<Integer> HOLDOUT_ROWS = key("data.holdout-rows").intType().defaultValue(10_000)
            .withDescription("Held-out rows `local` writes to kafka.holdout-topic and scores at the end (never "
                    + "trained on): seed generates this many; fashion-mnist and files use at most this many (0 = none).");

    public static final ConfigOption<Integer> EPOCHS = key("data.epochs").intType().defaultValue(1)
            .withDescription("Passes over the training rows.");

    public static final ConfigOption<Boolean> SHUFFLE = key("data.shuffle").booleanType().defaultValue(true)
            .withDescription("Stream every pass in a random order seeded by data.seed and the pass number; false = "
                    + "in the data set's order.");

    public static final ConfigOption<Long> SEED = key("data.seed").longType().defaultValue(42L)
            .withDescription("Seed of the generator, the shuffling and the held-out share.");

    public static final ConfigOption<Integer> ROWS_PER_MESSAGE = key("data.rows-per-message").intType()
            .defaultValue(1)
            .withDescription("Rows `local`, `produce` and `bench` write into one Kafka message, back to back; more than "
                    + "1 needs data.format=dense (fixed-length rows). The job reads dense messages of any number of rows.");

    public static final ConfigOption<Double> RATE = key("data.rate").doubleType().defaultValue(0.0)
            .withDescription("Rows per second streamed into Kafka (0 = as fast as the broker takes them).");

    static List<ConfigOption<?>> all() {
        return List.of(FORMAT, COLUMNS, FEATURES, FEATURES_ARRAY, LABEL, CLASSES, FEATURE_SCALE, MAX_ABS_VALUE,
                MAX_ROW_BYTES, GENERATOR, FILE, HOLDOUT_FILE, HOLDOUT_FRACTION, HEADER, FASHION_MNIST_DIR,
                CLASSES_FILTER, ROWS, HOLDOUT_ROWS, EPOCHS, SHUFFLE, SEED, ROWS_PER_MESSAGE, RATE);
    }
}
