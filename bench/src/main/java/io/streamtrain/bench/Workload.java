package io.streamtrain.bench;

import io.streamtrain.config.DataOptions;
import io.streamtrain.config.ModelOptions;
import io.streamtrain.config.ModelSpec;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.config.TrainingOptions;
import io.streamtrain.data.DataSet;
import io.streamtrain.data.DataSets;
import io.streamtrain.data.RowFormat;
import io.streamtrain.data.RowFormats;
import io.streamtrain.data.RowOrder;
import io.streamtrain.data.Rows;
import io.streamtrain.nn.Architecture;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * A benchmark workload: its job configuration ({@code config/bench-<name>.yaml}), the data set
 * it names (training rows as the Kafka messages the job reads, in topic order, every pass; and
 * held-out rows), and the targets of issue 7.
 *
 * @param name seed or fashion
 * @param configFile the configuration it was loaded from
 * @param config the configuration, with the quick overrides applied
 * @param data the data set of {@code data.generator}
 * @param targets what the job must reach on it
 */
record Workload(String name, Path configFile, StreamtrainConfig config, DataSet data, Targets targets) {

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
    /** Images per pass of the quick version of the fashion workload (one pass). */
    static final long QUICK_FASHION_ROWS = 2_000;

    Workload {
        // one model, from the model.* and optimizer.* keys, which the peers read too
        if (!config.get(ModelOptions.MODELS).isEmpty()) {
            throw new IllegalArgumentException(configFile + ": a benchmark trains the one model of the model.* and "
                    + "optimizer.* keys; leave " + ModelOptions.MODELS.key() + " empty");
        }
    }

    static Workload open(String name, boolean quick, Path root, Map<String, String> overrides) throws IOException {
        Path file = root.resolve("config/bench-" + name + ".yaml");
        Map<String, String> all = new LinkedHashMap<>();
        Targets targets;
        switch (name) {
            case "seed":
                if (quick) {
                    all.put(DataOptions.ROWS.key(), Long.toString(QUICK_SEED_ROWS));
                    all.put(DataOptions.HOLDOUT_ROWS.key(), "2000");
                    // the full run's 4,096-row blocks would make 2 optimizer steps of 20,000 rows
                    all.put(TrainingOptions.BATCH_SIZE.key(), "256");
                }
                targets = new Targets(1_000_000, Double.NaN, 0.99, Double.NaN, 50);
                break;
            case "fashion":
                if (quick) {
                    all.put(DataOptions.ROWS.key(), Long.toString(QUICK_FASHION_ROWS));
                    all.put(DataOptions.EPOCHS.key(), "1");
                    all.put(DataOptions.HOLDOUT_ROWS.key(), "1000");
                    all.put(TrainingOptions.BATCH_SIZE.key(), "64");
                }
                targets = new Targets(Double.NaN, 0.6, 0.85, 1.6, 50);
                break;
            default:
                throw new IllegalArgumentException("--workload must be seed or fashion, got '" + name + "'");
        }
        all.putAll(overrides);
        StreamtrainConfig config = StreamtrainConfig.load(file, all);
        DataSets.checkFits(config, config.architecture());
        return new Workload(name, file, config, DataSets.open(config), targets);
    }

    /** The one model the workload trains. */
    ModelSpec model() {
        return config.models().get(0);
    }

    Architecture architecture() {
        return model().architecture();
    }

    /** Training rows streamed, every pass. */
    long trainingRows() {
        return order().total();
    }

    /** Rows per optimizer step: a window of blocks. */
    int stepRows() {
        return config.get(TrainingOptions.BATCH_SIZE) * config.windowBlocks();
    }

    /** The training rows, as the bytes of the Kafka messages, in topic order. */
    Iterator<byte[]> training() {
        return order();
    }

    /** The held-out rows, as the same kind of bytes. */
    Iterator<byte[]> holdout() {
        Rows rows = data.holdout();
        return new Iterator<>() {
            private int i;

            @Override
            public boolean hasNext() {
                return i < rows.size();
            }

            @Override
            public byte[] next() {
                if (i >= rows.size()) {
                    throw new NoSuchElementException();
                }
                return rows.get(i++);
            }
        };
    }

    /** The job's own row parser, to parse the same bytes for the in-memory trainers. */
    RowFormat format() {
        return RowFormats.fromConfig(config, architecture());
    }

    /** What the row format multiplies features by (a peer that parses the topic itself must too). */
    double featureScale() {
        return config.get(DataOptions.FEATURE_SCALE);
    }

    /** One line on what the rows are. */
    String description() {
        int epochs = config.get(DataOptions.EPOCHS);
        long total = trainingRows();
        return String.format(Locale.ROOT, "%s: %,d training rows (%d x %,d%s), %,d held out", data.description(), total,
                epochs, total / epochs, config.get(DataOptions.SHUFFLE) && epochs > 1 ? ", each pass shuffled" : "",
                data.holdout().size());
    }

    private RowOrder order() {
        return new RowOrder(data.train(), config.get(DataOptions.EPOCHS), config.get(DataOptions.ROWS),
                config.get(DataOptions.SHUFFLE), config.get(DataOptions.SEED));
    }
}
