package io.streamtrain.config;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.util.List;
import org.apache.flink.configuration.ConfigOption;

/** The rows: their format, limits, and the built-in generator. */
public final class DataOptions {
    private DataOptions() {}

    public static final ConfigOption<String> FORMAT = key("data.format").stringType().defaultValue("csv")
            .withDescription("Row format: csv (features then label, by position).");

    public static final ConfigOption<String> GENERATOR = key("data.generator").stringType().defaultValue("seed")
            .withDescription("Data set streamed by `local`: seed (x1, x2 ~ N(0,1), y = [x1 + x2 > 0]).");

    public static final ConfigOption<Long> ROWS = key("data.rows").longType().defaultValue(100_000L)
            .withDescription("Training rows streamed by `local`.");

    public static final ConfigOption<Integer> HOLDOUT_ROWS = key("data.holdout-rows").intType().defaultValue(10_000)
            .withDescription("Held-out rows `local` writes to kafka.holdout-topic (a separate seeded stream, never trained on).");

    public static final ConfigOption<Long> SEED = key("data.seed").longType().defaultValue(42L)
            .withDescription("Seed of the generator.");

    public static final ConfigOption<Double> MAX_ABS_VALUE = key("data.max-abs-value").doubleType()
            .defaultValue(1e6).withDescription("Feature values beyond +-this are rejected to the dead-letter topic.");

    public static final ConfigOption<Integer> MAX_ROW_BYTES = key("data.max-row-bytes").intType()
            .defaultValue(1 << 20).withDescription("Rows longer than this many bytes are rejected to the dead-letter topic.");

    static List<ConfigOption<?>> all() {
        return List.of(FORMAT, GENERATOR, ROWS, HOLDOUT_ROWS, SEED, MAX_ABS_VALUE, MAX_ROW_BYTES);
    }
}
