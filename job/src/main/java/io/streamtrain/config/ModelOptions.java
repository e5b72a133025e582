package io.streamtrain.config;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.util.List;
import org.apache.flink.configuration.ConfigOption;

/** The network: layer sizes, activations, loss, initialisation. */
public final class ModelOptions {
    private ModelOptions() {}

    public static final ConfigOption<String> ID = key("model.id").stringType().defaultValue("seed")
            .withDescription("Model id: the key of its versions on the parameters topic and its rows in the sink tables.");

    public static final ConfigOption<List<Integer>> LAYERS = key("model.layers").intType().asList()
            .defaultValues(2, 2, 2)
            .withDescription("Layer sizes from inputs to outputs, e.g. [2, 2, 2]; two entries is softmax/linear regression.");

    public static final ConfigOption<String> HIDDEN_ACTIVATION = key("model.hidden-activation").stringType()
            .defaultValue("relu").withDescription("Activation of hidden layers: relu, sigmoid, tanh or identity.");

    public static final ConfigOption<String> OUTPUT = key("model.output").stringType().defaultValue("softmax")
            .withDescription("Output activation: softmax, sigmoid or identity.");

    public static final ConfigOption<String> LOSS = key("model.loss").stringType().defaultValue("cross-entropy")
            .withDescription("Loss: cross-entropy (with softmax) or mse.");

    public static final ConfigOption<String> INIT = key("model.init").stringType().defaultValue("he")
            .withDescription("Weight initialisation: he, xavier or normal (scaled by model.init-scale). Biases start at 0.");

    public static final ConfigOption<Double> INIT_SCALE = key("model.init-scale").doubleType().defaultValue(0.01)
            .withDescription("Standard deviation of model.init=normal.");

    public static final ConfigOption<Long> SEED = key("model.seed").longType().defaultValue(7L)
            .withDescription("Seed of the initial parameters; the same seed gives the same version 0.");

    static List<ConfigOption<?>> all() {
        return List.of(ID, LAYERS, HIDDEN_ACTIVATION, OUTPUT, LOSS, INIT, INIT_SCALE, SEED);
    }
}
