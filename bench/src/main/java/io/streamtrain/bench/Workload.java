package io.streamtrain.bench;

import io.streamtrain.config.DataOptions;
import io.streamtrain.config.ModelOptions;
import io.streamtrain.config.ModelSpec;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.config.TrainingOptions;
import io.streamtrain.data.CsvRowFormat;
import io.streamtrain.data.SeedData;
import io.streamtrain.nn.Architecture;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * A benchmark workload: its job configuration ({@code config/bench-<name>.yaml}), its training
 * rows as the Kafka messages the job reads, its held-out rows, and the targets of issue 7.
 *
 * @param name seed or fashion
 * @param configFile the configuration it was loaded from
 * @param config the configuration, with the quick overrides applied
 * @param targets what the job must reach on it
 */
record Workload(String name, Path configFile, StreamtrainConfig config, Targets targets) {

    /**
     * The targets of issue 7 on a 2-core machine, end to end at parallelism 2.
     *
     * @param rowsPerSecond absolute rows/s (NaN: none)
     * @param ceilingShare at least this share of 2 x the compute ceiling (NaN: none)
     * @param accuracy held-out accuracy, also the accuracy "time to target" waits for
     * @param scaling parallelism 2 / parallelism 1 (NaN: none)
     * @param roundTripP99Millis parameter round trip p99
     */
    record Targets(double rowsPerSecond, double ceilingShare, double accuracy, double scaling,
            double roundTripP99Millis) {}

    /** Rows of the quick (smoke-test) version of the seed workload. */
    static final long QUICK_SEED_ROWS = 20_000;

    static Workload open(String name, boolean quick, Path root, Map<String, String> overrides) throws IOException {
        Path file = root.resolve("config/bench-" + name + ".yaml");
        Map<String, String> all = new java.util.LinkedHashMap<>();
        switch (name) {
            case "seed":
                if (quick) {
                    all.put(DataOptions.ROWS.key(), Long.toString(QUICK_SEED_ROWS));
                    all.put(DataOptions.HOLDOUT_ROWS.key(), "2000");
                }
                all.putAll(overrides);
                return new Workload(name, file, StreamtrainConfig.load(file, all),
                        new Targets(1_000_000, Double.NaN, 0.99, Double.NaN, 50));
            case "fashion":
                throw new IllegalArgumentException("--workload fashion needs the Fashion-MNIST data set "
                        + "(data.generator=fashion-mnist), which this build does not have yet");
            default:
                throw new IllegalArgumentException("--workload must be seed or fashion, got '" + name + "'");
        }
    }

    Workload {
        // one model, from the model.* and optimizer.* keys, which the peers read too
        if (!config.get(ModelOptions.MODELS).isEmpty()) {
            throw new IllegalArgumentException(configFile + ": a benchmark trains the one model of the model.* and "
                    + "optimizer.* keys; leave " + ModelOptions.MODELS.key() + " empty");
        }
    }

    /** The one model the workload trains. */
    ModelSpec model() {
        return config.models().get(0);
    }

    Architecture architecture() {
        return model().architecture();
    }

    /** Training rows in the order they go to the topic (every pass). */
    long trainingRows() {
        return config.get(DataOptions.ROWS);
    }

    /** Rows per optimizer step: a window of blocks. */
    int stepRows() {
        return config.get(TrainingOptions.BATCH_SIZE) * config.get(TrainingOptions.WINDOW_BLOCKS);
    }

    /** The training rows, as the bytes of the Kafka messages, in topic order. */
    Iterator<byte[]> training() {
        return rows(new SeedData(config.get(DataOptions.SEED)), trainingRows());
    }

    /** The held-out rows, as the same kind of bytes. */
    Iterator<byte[]> holdout() {
        return rows(SeedData.holdout(config.get(DataOptions.SEED)), config.get(DataOptions.HOLDOUT_ROWS));
    }

    /** The job's own row parser, to parse the same bytes for the in-memory trainers. */
    CsvRowFormat format() {
        Architecture a = architecture();
        return new CsvRowFormat(a.inputs(), a.labelWidth(), a.isClassifier() ? a.classes() : 0,
                config.get(DataOptions.MAX_ABS_VALUE), config.get(DataOptions.MAX_ROW_BYTES));
    }

    /** What the row format multiplies features by (a peer that parses the topic itself must too). */
    double featureScale() {
        return 1.0;
    }

    /** One line on what the rows are. */
    String description() {
        return String.format(java.util.Locale.ROOT, "%,d seed rows x1,x2,y (x ~ N(0,1), y = [x1 + x2 > 0])",
                trainingRows());
    }

    private static Iterator<byte[]> rows(SeedData data, long n) {
        return new Iterator<>() {
            private long i;

            @Override
            public boolean hasNext() {
                return i < n;
            }

            @Override
            public byte[] next() {
                if (i >= n) {
                    throw new NoSuchElementException();
                }
                return data.csv(i++);
            }
        };
    }
}
