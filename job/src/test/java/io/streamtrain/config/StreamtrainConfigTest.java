package io.streamtrain.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamtrainConfigTest {
    private static final Path SEED_YAML = Path.of("..", "config", "seed.yaml");
    private static final Path MODEL_SELECTION_YAML = Path.of("..", "config", "model-selection.yaml");
    private static final Path SOFTMAX_TABLE_YAML = Path.of("..", "config", "softmax-table.yaml");

    private static final String TWO_MODELS = """
            model:
              layers: [2, 2, 2]
            optimizer:
              learning-rate: 0.1
            models:
              - id: small
              - id: wide
                model:
                  layers: [2, 16, 2]
                  hidden-activation: tanh
                optimizer:
                  name: adam
                  learning-rate: 0.01
            """;

    private static StreamtrainConfig yaml(Path dir, String text, Map<String, String> overrides) throws Exception {
        Path file = dir.resolve("c.yaml");
        Files.writeString(file, text);
        return StreamtrainConfig.load(file, overrides);
    }

    @Test
    void seedConfigurationLoads() throws Exception {
        StreamtrainConfig c = StreamtrainConfig.load(SEED_YAML, Map.of());
        assertThat(c.architecture().sizes()).containsExactly(2, 2, 2);
        assertThat(c.get(OptimizerOptions.LEARNING_RATE)).isEqualTo(0.1);
        assertThat(c.get(OptimizerOptions.L2)).isEqualTo(1e-3);
        assertThat(c.get(TrainingOptions.BATCH_TIMEOUT)).isEqualTo(Duration.ofMillis(200));
        assertThat(c.get(DataOptions.ROWS)).isEqualTo(100_000L);
        assertThat(c.get(KafkaOptions.DLQ_TOPIC)).isEqualTo("rows.dlq");
        assertThat(c.parallelism()).isEqualTo(2);
        assertThat(c.shards()).isEqualTo(2);
    }

    @Test
    void everyKeyOfTheSeedFileIsDeclared() throws Exception {
        Map<String, String> flat = StreamtrainConfig.flattenYaml(Files.readString(SEED_YAML), "seed.yaml");
        assertThat(flat.keySet()).allSatisfy(k ->
                assertThat(StreamtrainConfig.options()).anySatisfy(o -> assertThat(o.key()).isEqualTo(k)));
    }

    @Test
    void overridesWinAndChangeTheHash() throws Exception {
        StreamtrainConfig a = StreamtrainConfig.load(SEED_YAML, Map.of());
        StreamtrainConfig b = StreamtrainConfig.load(SEED_YAML, Map.of("optimizer.learning-rate", "0.3"));
        assertThat(b.get(OptimizerOptions.LEARNING_RATE)).isEqualTo(0.3);
        assertThat(a.hash()).isNotEqualTo(b.hash()).isEqualTo(StreamtrainConfig.load(SEED_YAML, Map.of()).hash());
    }

    @Test
    void unknownKeyIsNamedWithASuggestion() {
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("optimizer.learnig-rate", "0.1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("optimizer.learnig-rate")
                .hasMessageContaining("did you mean 'optimizer.learning-rate'");
    }

    @Test
    void unreadableAndOutOfRangeValuesNameTheKey() {
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("training.batch-size", "lots")))
                .hasMessageStartingWith("training.batch-size");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("training.batch-size", "0")))
                .hasMessageStartingWith("training.batch-size");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("optimizer.learning-rate", "-1")))
                .hasMessageStartingWith("optimizer.learning-rate");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("model.hidden-activation", "swish")))
                .hasMessageStartingWith("model.hidden-activation");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("model.layers", "2")))
                .hasMessageStartingWith("model.layers");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("training.batch-timeout", "soon")))
                .hasMessageStartingWith("training.batch-timeout");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("sink.table-prefix", "x; DROP TABLE")))
                .hasMessageStartingWith("sink.table-prefix");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("job.parallelism", "4", "job.shards", "2")))
                .hasMessageContaining("job.shards").hasMessageContaining("idle");
    }

    @Test
    void optimizerSettingsAreValidatedAndBuilt() {
        StreamtrainConfig adam = StreamtrainConfig.of(Map.of("optimizer.name", "adam", "optimizer.learning-rate", "0.01",
                "optimizer.clip-norm", "5", "optimizer.schedule", "inverse-time"));
        assertThat(adam.updateRule().optimizer().name()).isEqualTo("adam");
        assertThat(adam.updateRule().stateSize()).isEqualTo(2 * adam.architecture().parameterCount());
        assertThat(adam.updateRule().learningRate(1)).isEqualTo(0.01);
        assertThat(adam.updateRule().learningRate(1001)).isEqualTo(0.01 / 2);
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("optimizer.name", "lbfgs")))
                .hasMessageStartingWith("optimizer.name").hasMessageContaining("adam");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("optimizer.beta2", "1.0")))
                .hasMessageStartingWith("optimizer.beta2");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("optimizer.schedule", "cosine")))
                .hasMessageStartingWith("optimizer.schedule");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("optimizer.epsilon", "0")))
                .hasMessageStartingWith("optimizer.epsilon");
    }

    @Test
    void aModelTooLargeForAMessageNamesTheSetting() {
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("model.layers", "1000;1000;2", "kafka.max-message-bytes", "1048576")))
                .hasMessageContaining("kafka.max-message-bytes");
    }

    @Test
    void missingFileIsReported(@TempDir Path dir) {
        assertThatThrownBy(() -> StreamtrainConfig.load(dir.resolve("nope.yaml"), Map.of()))
                .hasMessageContaining("nope.yaml");
    }

    @Test
    void withoutAModelsListThereIsOneModel() throws Exception {
        StreamtrainConfig c = StreamtrainConfig.load(SEED_YAML, Map.of());
        assertThat(c.models()).singleElement().satisfies(m -> {
            assertThat(m.id()).isEqualTo("seed");
            assertThat(m.architecture()).isEqualTo(c.architecture());
            assertThat(m.initialParameters()).containsExactly(c.initialParameters());
            assertThat(m.optimizer()).isEqualTo("sgd lr 0.1 l2 0.001");
            assertThat(m.configHash()).isEqualTo(c.hash());
        });
    }

    @Test
    void modelsEntriesOverrideTheTopLevelSections(@TempDir Path dir) throws Exception {
        StreamtrainConfig c = yaml(dir, TWO_MODELS, Map.of());
        assertThat(c.values()).containsEntry("models", "small;wide")
                .containsEntry("models.wide.model.layers", "2;16;2")
                .containsEntry("models.wide.optimizer.name", "adam");
        assertThat(c.models()).extracting(ModelSpec::id).containsExactly("small", "wide");
        ModelSpec small = c.models().get(0);
        ModelSpec wide = c.models().get(1);
        assertThat(small.architecture().sizes()).containsExactly(2, 2, 2);
        assertThat(small.optimizer()).isEqualTo("sgd lr 0.1 l2 0.001");
        assertThat(wide.architecture().toString()).isEqualTo("2-16-2 tanh/softmax/cross-entropy");
        assertThat(wide.updateRule().optimizer().name()).isEqualTo("adam");
        assertThat(wide.updateRule().stateSize()).isEqualTo(2 * wide.architecture().parameterCount());
        assertThat(wide.updateRule().learningRate(1)).isEqualTo(0.01);
        // hashes: per model, and the whole configuration's differs from both
        assertThat(small.configHash()).isNotEqualTo(wide.configHash());
        assertThat(c.hash()).isNotIn(small.configHash(), wide.configHash());
        // the first model is the shape of the rows
        assertThat(c.architecture()).isEqualTo(small.architecture());
    }

    @Test
    void setAddressesAModelsEntryByItsId(@TempDir Path dir) throws Exception {
        StreamtrainConfig c = yaml(dir, TWO_MODELS, Map.of("models.wide.optimizer.learning-rate", "0.05",
                "optimizer.l2", "0"));
        assertThat(c.models().get(1).optimizer()).isEqualTo("adam lr 0.05");
        assertThat(c.models().get(0).optimizer()).isEqualTo("sgd lr 0.1");
        // a model can be added from the command line alone
        StreamtrainConfig added = yaml(dir, TWO_MODELS, Map.of("models", "small;wide;deep",
                "models.deep.model.layers", "2;8;8;2"));
        assertThat(added.models()).extracting(m -> m.architecture().toString()).containsExactly(
                "2-2-2 relu/softmax/cross-entropy", "2-16-2 tanh/softmax/cross-entropy", "2-8-8-2 relu/softmax/cross-entropy");
    }

    @Test
    void modelsValidationNamesTheExactKey(@TempDir Path dir) {
        assertThatThrownBy(() -> yaml(dir, TWO_MODELS, Map.of("models.wide.optimizer.learning-rate", "-1")))
                .hasMessageStartingWith("models.wide.optimizer.learning-rate: -1.0 must be > 0");
        assertThatThrownBy(() -> yaml(dir, TWO_MODELS, Map.of("models.wide.optimizer.beta1", "x")))
                .hasMessageStartingWith("models.wide.optimizer.beta1: cannot read 'x'");
        assertThatThrownBy(() -> yaml(dir, TWO_MODELS, Map.of("models.wide.model.hidden-activation", "swish")))
                .hasMessageStartingWith("models.wide.model.hidden-activation");
        assertThatThrownBy(() -> yaml(dir, TWO_MODELS, Map.of("models.wide.model.layers", "2")))
                .hasMessageStartingWith("models.wide.model.layers");
        // an inherited value is named by its top-level key
        assertThatThrownBy(() -> yaml(dir, TWO_MODELS, Map.of("optimizer.momentum", "1.5")))
                .hasMessageStartingWith("optimizer.momentum: 1.5 must be in [0, 1)");
        assertThatThrownBy(() -> yaml(dir, TWO_MODELS, Map.of("models.wdie.optimizer.name", "adam")))
                .hasMessageStartingWith("models.wdie.optimizer.name: there is no model 'wdie' in models [small, wide]");
        assertThatThrownBy(() -> yaml(dir, TWO_MODELS, Map.of("models.wide.optimizer.learnig-rate", "0.1")))
                .hasMessageContaining("did you mean 'models.wide.optimizer.learning-rate'");
        assertThatThrownBy(() -> yaml(dir, TWO_MODELS, Map.of("models.wide.training.batch-size", "8")))
                .hasMessageStartingWith("models.wide.training.batch-size: training.batch-size is shared by every model");
        assertThatThrownBy(() -> yaml(dir, TWO_MODELS, Map.of("models.wide.model.id", "x")))
                .hasMessageStartingWith("models.wide.model.id");
        assertThatThrownBy(() -> yaml(dir, TWO_MODELS, Map.of("models", "small;small")))
                .hasMessageStartingWith("models: model id 'small' is listed twice");
        assertThatThrownBy(() -> yaml(dir, TWO_MODELS, Map.of("models", "small;no.dots")))
                .hasMessageStartingWith("models: model id 'no.dots' is not a valid model id");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("model.id", "x y")))
                .hasMessageStartingWith("model.id: 'x y' is not a valid model id");
    }

    @Test
    void everyModelMustReadTheSameRows(@TempDir Path dir) {
        assertThatThrownBy(() -> yaml(dir, TWO_MODELS, Map.of("models.wide.model.layers", "3;16;2")))
                .hasMessageStartingWith("models.wide.model.layers: model 'wide' has 3 inputs, model 'small' has 2 "
                        + "(model.layers)");
        assertThatThrownBy(() -> yaml(dir, TWO_MODELS, Map.of("models.wide.model.layers", "2;16;10")))
                .hasMessageStartingWith("models.wide.model.layers: model 'wide' predicts 10 classes, model 'small' "
                        + "predicts 2 classes");
        assertThatThrownBy(() -> yaml(dir, TWO_MODELS, Map.of("models.wide.model.output", "identity",
                "models.wide.model.loss", "mse")))
                .hasMessageStartingWith("models.wide.model.output: model 'wide' regresses 2 targets");
        // one sigmoid unit and two softmax units both read a class index of 2 classes
        assertThatCode(() -> yaml(dir, TWO_MODELS, Map.of("models.wide.model.layers", "2;4;1",
                "models.wide.model.output", "sigmoid", "models.wide.model.loss", "mse"))).doesNotThrowAnyException();
    }

    @Test
    void malformedModelsListsAreNamedByPosition(@TempDir Path dir) {
        assertThatThrownBy(() -> yaml(dir, "models:\n  - model: {layers: [2, 2]}\n", Map.of()))
                .hasMessageContaining("models[0] needs an id");
        assertThatThrownBy(() -> yaml(dir, "models:\n  - id: a\n  - id: a\n", Map.of()))
                .hasMessageContaining("models[1].id: 'a' is the id of an earlier entry");
        assertThatThrownBy(() -> yaml(dir, "models:\n  a: {}\n", Map.of()))
                .hasMessageContaining("models must be a list of entries");
        assertThatThrownBy(() -> yaml(dir, "models:\n  - id: 'x y'\n", Map.of()))
                .hasMessageContaining("models[0].id: 'x y' is not a valid model id");
    }

    @Test
    void shippedConfigurationsLoad() throws Exception {
        StreamtrainConfig softmax = StreamtrainConfig.load(SOFTMAX_TABLE_YAML, Map.of());
        assertThat(softmax.models()).singleElement()
                .satisfies(m -> assertThat(m.architecture().toString()).isEqualTo("2-2 softmax/cross-entropy"));
        StreamtrainConfig selection = StreamtrainConfig.load(MODEL_SELECTION_YAML, Map.of());
        assertThat(selection.models()).hasSizeGreaterThanOrEqualTo(4);
        assertThat(selection.models()).extracting(m -> m.updateRule().optimizer().name()).hasSizeGreaterThanOrEqualTo(4)
                .contains("sgd", "adam", "momentum", "rmsprop");
        assertThat(selection.models()).extracting(m -> m.architecture().toString()).doesNotHaveDuplicates();
    }

    @Test
    void heldOutTopicIsOptionalButNeverTheRowsTopic() {
        assertThat(StreamtrainConfig.of(Map.of()).get(KafkaOptions.HOLDOUT_TOPIC)).isEqualTo("rows.holdout");
        assertThat(StreamtrainConfig.of(Map.of("kafka.holdout-topic", "")).get(KafkaOptions.HOLDOUT_TOPIC)).isEmpty();
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("kafka.holdout-topic", "rows")))
                .hasMessageStartingWith("kafka.holdout-topic: must differ from kafka.rows-topic");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("kafka.holdout-topic", "a b")))
                .hasMessageStartingWith("kafka.holdout-topic");
    }
}
