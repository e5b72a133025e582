package io.streamtrain.config;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.util.List;
import org.apache.flink.configuration.ConfigOption;

/**
 * The network: layer sizes, activations, loss, initialisation, and the list of models trained at
 * once (model selection), each overriding these keys and the optimizer's.
 */
public final class ModelOptions {
    private ModelOptions() {}

    public static final ConfigOption<String> ID = key("model.id").stringType().defaultValue("seed")
            .withDescription("Model id: the key of its versions on the parameters topic and its rows in the sink tables "
                    + "(letters, digits, _ and -, starting with a letter). Not used with a models list.");

    public static final ConfigOption<List<String>> MODELS = key("models").stringType().asList().defaultValues()
            .withDescription("Model selection: ids of several models trained at once on the same rows (the entries of "
                    + "the YAML `models:` list, each with an id). Each model takes the model.* and optimizer.* keys and "
                    + "overrides any of them as `models.<id>.model.*` or `models.<id>.optimizer.*`. "
                    + "Unset: one model, from the model and optimizer sections.");

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

    public static final ConfigOption<List<String>> FEATURE_NAMES = key("model.feature-names").stringType().asList()
            .defaultValues()
            .withDescription("Names of the input features, one per input unit, stored in the snapshots' architecture "
                    + "JSON; sql-score reads the rows table's columns by these names (empty = x1..xn). Plain SQL "
                    + "identifiers. Every model of a models list reads the same rows, so all must name them alike.");

    public static final ConfigOption<List<String>> INIT_FROM = key("model.init-from").stringType().asList()
            .defaultValues()
            .withDescription("Warm start from snapshots in the sink tables, with their optimizer state where stored: "
                    + "MODEL:VERSION or MODEL:latest (empty = start from model.init). A single model starts from any "
                    + "model's snapshot. With a models list, each item (several separated by ;) starts the listed "
                    + "model MODEL from its own stored version and the others from model.init; "
                    + "`models.<id>.model.init-from` starts model <id> from any model's snapshot.");

    static List<ConfigOption<?>> all() {
        return List.of(ID, LAYERS, HIDDEN_ACTIVATION, OUTPUT, LOSS, INIT, INIT_SCALE, SEED, FEATURE_NAMES, INIT_FROM,
                MODELS);
    }

    /**
     * The keys a models entry may override (besides every optimizer key). A models entry inherits
     * each from the model section, except {@link #INIT_FROM}: there, an entry names its model.
     */
    static List<ConfigOption<?>> perModel() {
        return List.of(LAYERS, HIDDEN_ACTIVATION, OUTPUT, LOSS, INIT, INIT_SCALE, SEED, FEATURE_NAMES, INIT_FROM);
    }
}
