package io.streamtrain.config;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.util.List;
import org.apache.flink.configuration.ConfigOption;

/** The update rule applied by the parameter updater. */
public final class OptimizerOptions {
    private OptimizerOptions() {}

    public static final ConfigOption<String> NAME = key("optimizer.name").stringType().defaultValue("sgd")
            .withDescription("Optimizer: sgd.");

    public static final ConfigOption<Double> LEARNING_RATE = key("optimizer.learning-rate").doubleType()
            .defaultValue(0.5).withDescription("Learning rate, > 0.");

    public static final ConfigOption<Double> L2 = key("optimizer.l2").doubleType().defaultValue(1e-3)
            .withDescription("L2 regularisation on weights (not biases), >= 0: adds l2 * W to the mean gradient.");

    static List<ConfigOption<?>> all() {
        return List.of(NAME, LEARNING_RATE, L2);
    }
}
