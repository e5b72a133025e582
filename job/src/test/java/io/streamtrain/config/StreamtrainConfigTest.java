package io.streamtrain.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.streamtrain.nn.LearningRateSchedule;
import io.streamtrain.nn.UpdateRule;
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
    private static final Path PYSPARK_BINARY_YAML = Path.of("..", "config", "pyspark-binary.yaml");
    private static final Path FASHION_MNIST_YAML = Path.of("..", "config", "fashion-mnist.yaml");

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
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("optimizer.schedule", "exponential")))
                .hasMessageStartingWith("optimizer.schedule");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("optimizer.epsilon", "0")))
                .hasMessageStartingWith("optimizer.epsilon");
    }

    @Test
    void consistencyModesSetTheWindowFlowControlAndStalenessBound() {
        StreamtrainConfig bounded = StreamtrainConfig.of(Map.of("job.shards", "3", "training.window-blocks", "4",
                "training.max-in-flight", "2", "training.max-staleness", "5"));
        assertThat(bounded.consistency()).isEqualTo(TrainingOptions.Consistency.BOUNDED);
        assertThat(bounded.windowBlocks()).isEqualTo(4);
        assertThat(bounded.maxInFlight()).isEqualTo(2);
        assertThat(bounded.maxStaleness()).isEqualTo(5);
        assertThat(bounded.windowTimeout()).isEqualTo(Duration.ofMillis(500));

        StreamtrainConfig sync = StreamtrainConfig.of(Map.of("training.consistency", "sync", "job.shards", "3",
                "training.window-blocks", "4", "training.max-in-flight", "2", "training.max-staleness", "5"));
        assertThat(sync.windowBlocks()).isEqualTo(3);
        assertThat(sync.maxInFlight()).isEqualTo(1);
        assertThat(sync.maxStaleness()).isEqualTo(-1);
        assertThat(sync.windowTimeout()).isZero();

        StreamtrainConfig async = StreamtrainConfig.of(Map.of("training.consistency", "async",
                "training.max-staleness", "5"));
        assertThat(async.maxInFlight()).isEqualTo(Integer.MAX_VALUE);
        assertThat(async.maxStaleness()).isEqualTo(-1);
        assertThat(async.windowBlocks()).isEqualTo(2);

        assertThat(async.localSteps()).isZero();

        StreamtrainConfig local = StreamtrainConfig.of(Map.of("training.consistency", "local", "job.shards", "3",
                "training.local-steps", "8", "training.window-blocks", "3", "training.max-in-flight", "1",
                "training.max-staleness", "5", "data.rows", "7680", "training.batch-size", "64"));
        assertThat(local.localSteps()).isEqualTo(8);
        assertThat(local.windowBlocks()).isEqualTo(3);
        assertThat(local.maxInFlight()).isEqualTo(1);
        assertThat(local.localOverlap()).isFalse();
        assertThat(local.maxStaleness()).isEqualTo(-1);
        // a replica's own steps: 7,680 rows / (64 rows x 3 shards)
        assertThat(local.expectedSteps()).isEqualTo(40);
        // a version merges a window of 3 merges of 8 blocks each; the sources may always read twice
        // that plus a block per parser (parallelism 2) ahead, whatever training.read-ahead says
        assertThat(local.blocksPerVersion()).isEqualTo(24);
        assertThat(local.minReadAheadRows()).isEqualTo((2 * 24 + 2) * 64);
        assertThat(StreamtrainConfig.of(Map.of()).readAheadBytes()).isEqualTo(64L << 20);
        assertThat(StreamtrainConfig.of(Map.of("training.read-ahead", "0")).readAheadBytes()).isZero();
        assertThat(StreamtrainConfig.of(Map.of("training.read-ahead", "256 kb")).readAheadBytes()).isEqualTo(256L << 10);
        assertThat(bounded.localSteps()).isZero();
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("training.consistency", "local", "training.local-steps", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("training.local-steps");
        // without overlap a replica has one merge in flight whatever training.max-in-flight says
        StreamtrainConfig waiting = StreamtrainConfig.of(Map.of("training.consistency", "local",
                "training.max-in-flight", "3", "training.window-blocks", "2", "job.shards", "2"));
        assertThat(waiting.maxInFlight()).isEqualTo(1);
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("training.consistency", "local", "job.shards", "2",
                "training.window-blocks", "3", "training.max-in-flight", "2")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("training.window-blocks=3 is more than job.shards = 2: with training.local-overlap=false "
                        + "each shard sends one change a version, so windows could only fire on "
                        + "training.window-timeout; lower training.window-blocks or set training.local-overlap=true");
        // with overlap, merges in flight bound the window as blocks do in bounded mode
        StreamtrainConfig overlapping = StreamtrainConfig.of(Map.of("training.consistency", "local",
                "training.local-overlap", "true", "training.max-in-flight", "3", "training.window-blocks", "4",
                "job.shards", "2"));
        assertThat(overlapping.localOverlap()).isTrue();
        assertThat(overlapping.maxInFlight()).isEqualTo(3);
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("training.consistency", "local", "job.shards", "2",
                "training.local-overlap", "true", "training.window-blocks", "3", "training.max-in-flight", "1")))
                .hasMessageStartingWith("training.window-blocks=3 is more than job.shards x training.max-in-flight");
        assertThat(StreamtrainConfig.of(Map.of("training.local-overlap", "true")).localOverlap())
                .as("bounded mode").isFalse();

        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("training.consistency", "eventual")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("training.consistency: 'eventual' is not one of sync, bounded, async, local");
        // the window/in-flight check applies to bounded only: sync sets both itself
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("training.window-blocks", "5", "training.max-in-flight", "1")))
                .hasMessageStartingWith("training.window-blocks");
        assertThat(StreamtrainConfig.of(Map.of("training.consistency", "sync", "training.window-blocks", "5",
                "training.max-in-flight", "1")).windowBlocks()).isEqualTo(2);
    }

    @Test
    void snapshotRetrySettingsMustNotBeNegative() {
        assertThat(StreamtrainConfig.of(Map.of("sink.max-retry-time", "30s")).get(SinkOptions.MAX_RETRY_TIME))
                .isEqualTo(Duration.ofSeconds(30));
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("sink.max-retry-time", "-1s")))
                .hasMessageStartingWith("sink.max-retry-time");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("sink.retry-backoff", "-5ms")))
                .hasMessageStartingWith("sink.retry-backoff");
    }

    @Test
    void cosineAndLinearDecayOverTheRunsExpectedSteps() {
        // 1,000 rows x 3 passes / (10 rows a block x 2 blocks a step) = 150 steps
        StreamtrainConfig cosine = StreamtrainConfig.of(Map.of("optimizer.schedule", "cosine",
                "optimizer.learning-rate", "0.2", "optimizer.schedule-floor", "0.1", "data.rows", "1000",
                "data.epochs", "3", "training.batch-size", "10", "training.window-blocks", "2"));
        assertThat(cosine.expectedSteps()).isEqualTo(150);
        assertThat(cosine.updateRule().schedule()).isEqualTo(new LearningRateSchedule.Cosine(150, 0.1));
        assertThat(cosine.updateRule().learningRate(1)).isEqualTo(0.2);
        assertThat(cosine.updateRule().learningRate(76)).isCloseTo(0.2 * 0.55, within(1e-15));
        assertThat(cosine.updateRule().learningRate(151)).isCloseTo(0.02, within(1e-15));
        assertThat(cosine.models().get(0).optimizer()).isEqualTo("sgd lr 0.2 cosine over 150 steps to 0.1x l2 0.001");
        // a row count that does not fill the last step rounds up: 1,001 rows are 51 steps of 20
        assertThat(StreamtrainConfig.of(Map.of("data.rows", "1001", "training.batch-size", "10")).expectedSteps())
                .isEqualTo(51);
        // optimizer.schedule-steps wins over the computed length
        StreamtrainConfig linear = StreamtrainConfig.of(Map.of("optimizer.schedule", "linear",
                "optimizer.schedule-steps", "40", "data.rows", "1000"));
        assertThat(linear.updateRule().schedule()).isEqualTo(new LearningRateSchedule.Linear(40, 0.0));
        // with a models list every entry takes the run's length, or its own
        StreamtrainConfig list = StreamtrainConfig.of(Map.of("models", "a;b", "optimizer.schedule", "cosine",
                "data.rows", "1280", "training.batch-size", "64", "models.b.optimizer.schedule-steps", "7"));
        assertThat(list.models().get(0).updateRule().schedule()).isEqualTo(new LearningRateSchedule.Cosine(10, 0.0));
        assertThat(list.models().get(1).updateRule().schedule()).isEqualTo(new LearningRateSchedule.Cosine(7, 0.0));
    }

    @Test
    void aDecayingScheduleOfUnknownLengthNamesTheKeysToSet() {
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("optimizer.schedule", "cosine", "data.rows", "0")))
                .hasMessageStartingWith("optimizer.schedule=cosine")
                .hasMessageContaining("optimizer.schedule-steps").hasMessageContaining("data.rows");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("optimizer.schedule", "linear",
                "optimizer.schedule-floor", "1.5")))
                .hasMessageStartingWith("optimizer.schedule-floor");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("optimizer.schedule-steps", "-1")))
                .hasMessageStartingWith("optimizer.schedule-steps");
        // explicit steps need no row count
        assertThat(StreamtrainConfig.of(Map.of("optimizer.schedule", "cosine", "data.rows", "0",
                "optimizer.schedule-steps", "5")).updateRule().learningRate(6)).isEqualTo(0.0);
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
    void pysparkBinaryKeepsTheReferencesRecipe() throws Exception {
        StreamtrainConfig c = StreamtrainConfig.load(PYSPARK_BINARY_YAML, Map.of());
        ModelSpec m = c.models().get(0);
        // 784-64-2, sigmoid hidden and output units, L = 1/2 sum_k (p_k - t_k)^2
        assertThat(m.architecture().toString()).isEqualTo("784-64-2 sigmoid/sigmoid/mse");
        // plain SGD at the reference's fixed learning rate 0.1: no momentum, no schedule, no L2
        assertThat(m.updateRule().optimizer().name()).isEqualTo("sgd");
        assertThat(m.updateRule().schedule()).isEqualTo(LearningRateSchedule.constant());
        assertThat(m.updateRule().learningRate(1)).isEqualTo(0.1);
        assertThat(m.updateRule().learningRate(10_000)).isEqualTo(0.1);
        assertThat(c.get(OptimizerOptions.L2)).isEqualTo(0.0);
        assertThat(c.get(ModelOptions.INIT)).isEqualTo("xavier");
        // synchronous steps of PYSPARK_STEP_ROWS rows: one block from each of the two workers
        assertThat(c.get(TrainingOptions.BATCH_SIZE) * c.get(TrainingOptions.WINDOW_BLOCKS)).isEqualTo(4);
        assertThat(c.get(TrainingOptions.WINDOW_BLOCKS)).isEqualTo(c.parallelism());
        assertThat(c.get(TrainingOptions.MAX_IN_FLIGHT)).isEqualTo(1);
        assertThat(c.get(DataOptions.CLASSES_FILTER)).containsExactly(0, 1);
        assertThat(c.get(DataOptions.EPOCHS)).isEqualTo(1);
    }

    @Test
    void fashionMnistDecaysOverTheRunWhateverItsPasses() throws Exception {
        StreamtrainConfig one = StreamtrainConfig.load(FASHION_MNIST_YAML, Map.of());
        ModelSpec m = one.models().get(0);
        assertThat(m.architecture().toString()).isEqualTo("784-128-10 relu/softmax/cross-entropy");
        assertThat(m.updateRule().optimizer().name()).isEqualTo("adam");
        int stepRows = one.get(TrainingOptions.BATCH_SIZE) * one.get(TrainingOptions.WINDOW_BLOCKS);
        assertThat(stepRows).isEqualTo(32);
        // data.rows is the whole training set, so the schedule's length is one pass's steps
        assertThat(one.get(DataOptions.ROWS)).isEqualTo(60_000L);
        long onePass = (60_000 + stepRows - 1) / stepRows;
        assertThat(m.updateRule().schedule()).isEqualTo(new LearningRateSchedule.Cosine(onePass, 0.0));
        double eta0 = one.get(OptimizerOptions.LEARNING_RATE);
        assertThat(m.updateRule().learningRate(1)).isEqualTo(eta0);
        assertThat(m.updateRule().learningRate(onePass + 1)).isEqualTo(0.0);
        // --epochs 5 stretches the same decay over five passes: after the first the rate is still
        // eta_0 (1 + cos(pi / 5)) / 2 = 0.905 eta_0, and it reaches 0 only at the end of the fifth
        StreamtrainConfig five = StreamtrainConfig.load(FASHION_MNIST_YAML, Map.of("data.epochs", "5"));
        UpdateRule rule = five.models().get(0).updateRule();
        assertThat(rule.schedule()).isEqualTo(new LearningRateSchedule.Cosine(5 * onePass, 0.0));
        assertThat(rule.learningRate(onePass + 1)).isCloseTo(eta0 * (1 + Math.cos(Math.PI / 5)) / 2, within(1e-15));
        assertThat(rule.learningRate(5 * onePass)).isGreaterThan(0.0);
        assertThat(rule.learningRate(5 * onePass + 1)).isEqualTo(0.0);
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

    @Test
    void environmentReferencesAreSubstitutedInFilesAndOverridesButNeitherHashedNorPrinted(@TempDir Path dir)
            throws Exception {
        Path yaml = dir.resolve("pg.yaml");
        Files.writeString(yaml, "sink:\n  url: jdbc:postgresql://db:5432/train?user=${env:PGUSER}&password=${env:PGPASSWORD}\n");
        Map<String, String> env = Map.of("PGUSER", "trainer", "PGPASSWORD", "s3cr3t", "OTHER", "t2_");
        StreamtrainConfig c = StreamtrainConfig.load(yaml, Map.of("sink.table-prefix", "${env:OTHER}"), env::get);
        assertThat(c.get(SinkOptions.URL)).isEqualTo("jdbc:postgresql://db:5432/train?user=trainer&password=s3cr3t");
        assertThat(c.get(SinkOptions.TABLE_PREFIX)).isEqualTo("t2_");
        assertThat(c.redacted().toString()).contains("user=${env:PGUSER}", "${env:OTHER}").doesNotContain("s3cr3t");
        assertThat(StreamtrainConfig.redact(c.get(SinkOptions.URL))).doesNotContain("s3cr3t").contains("password=***");
        // the hash is of the text as written: another password, the same hash (the model's too)
        StreamtrainConfig rotated = StreamtrainConfig.load(yaml, Map.of("sink.table-prefix", "${env:OTHER}"),
                Map.of("PGUSER", "trainer", "PGPASSWORD", "n3w", "OTHER", "t2_")::get);
        assertThat(rotated.hash()).isEqualTo(c.hash());
        assertThat(rotated.models().get(0).configHash()).isEqualTo(c.models().get(0).configHash());
        assertThatThrownBy(() -> StreamtrainConfig.load(yaml, Map.of(), Map.of("PGUSER", "x")::get))
                .isInstanceOf(ConfigException.class)
                .hasMessage("sink.url: environment variable PGPASSWORD is not set");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("model.id", "${env:}"), env::get))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("model.id: malformed");
    }

    @Test
    void modelIdsFeatureNamesAndTablePrefixesCannotCarrySql(@TempDir Path dir) {
        for (String id : new String[] {"seed'; DROP TABLE model_snapshot; --", "a b", "x\"y", "m:1", "a.b", ""}) {
            assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("model.id", id))).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("model.id");
            if (!id.isEmpty()) { // "a;" is the list [a]
                assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("models", "a;" + id)))
                        .isInstanceOf(ConfigException.class).hasMessageStartingWith("models");
            }
        }
        assertThat(StreamtrainConfig.of(Map.of("model.id", "mnist-0v1_v2")).get(ModelOptions.ID)).isEqualTo("mnist-0v1_v2");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("sink.table-prefix", "x; DROP TABLE y")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("sink.table-prefix");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("model.feature-names", "a;b) FROM t; --")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("model.feature-names");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("model.feature-names", "a;b;c")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("3 names for 2 inputs");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("model.feature-names", "a;A")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("distinct");
        StreamtrainConfig named = StreamtrainConfig.of(Map.of("model.feature-names", "height;weight"));
        assertThat(named.networkSpec().toJson()).isEqualTo("{\"layers\":[2,2,2],\"hidden\":\"relu\",\"output\":"
                + "\"softmax\",\"loss\":\"cross-entropy\",\"features\":[\"height\",\"weight\"]}");
        assertThat(StreamtrainConfig.of(Map.of()).networkSpec().features()).containsExactly("x1", "x2");
        assertThatThrownBy(() -> yaml(dir, TWO_MODELS, Map.of("models.wide.model.feature-names", "a;b) --")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("models.wide.model.feature-names");
    }

    @Test
    void everyModelOfAListNamesItsInputsAlike(@TempDir Path dir) throws Exception {
        StreamtrainConfig inherited = yaml(dir, TWO_MODELS, Map.of("model.feature-names", "height;weight"));
        assertThat(inherited.models()).allSatisfy(m -> {
            assertThat(m.features()).containsExactly("height", "weight");
            assertThat(m.networkSpec().toJson()).contains("\"features\":[\"height\",\"weight\"]");
        });
        assertThat(yaml(dir, TWO_MODELS, Map.of("model.feature-names", "height;weight",
                "models.wide.model.feature-names", "height;weight")).models().get(1).features())
                .containsExactly("height", "weight");
        assertThatThrownBy(() -> yaml(dir, TWO_MODELS, Map.of("model.feature-names", "height;weight",
                "models.wide.model.feature-names", "h;w")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("models.wide.model.feature-names: model 'wide' names its inputs [h, w], "
                        + "model 'small' [height, weight] (model.feature-names)");
        // names set for one model only: the other reads x1, x2
        assertThatThrownBy(() -> yaml(dir, TWO_MODELS, Map.of("models.wide.model.feature-names", "h;w")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("models.wide.model.feature-names: model 'wide' names its inputs [h, w], "
                        + "model 'small' [x1, x2]");
    }

    @Test
    void initFromNamesAModelAndAVersion() {
        assertThat(StreamtrainConfig.of(Map.of()).models().get(0).initFrom()).isNull();
        assertThat(StreamtrainConfig.of(Map.of()).warmStarts()).isFalse();
        StreamtrainConfig warm = StreamtrainConfig.of(Map.of("model.init-from", "seed:300"));
        assertThat(warm.models().get(0).initFrom()).isEqualTo(new InitFrom("seed", 300, "model.init-from"));
        assertThat(warm.warmStarts()).isTrue();
        // one model may start from another model's snapshot
        assertThat(StreamtrainConfig.of(Map.of("model.id", "fork", "model.init-from", "a.b-c:latest")).models().get(0)
                .initFrom()).isEqualTo(new InitFrom("a.b-c", InitFrom.LATEST, "model.init-from"));
        for (String bad : new String[] {"seed", "seed:", ":3", "seed:-1", "seed:x", "s'--:3"}) {
            assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("model.init-from", bad)))
                    .isInstanceOf(ConfigException.class).hasMessageStartingWith("model.init-from");
        }
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("model.init-from", "seed:3;seed:4")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("model.init-from: model 'seed' starts from one snapshot");
        // the hash records where a model started
        assertThat(warm.hash()).isNotEqualTo(StreamtrainConfig.of(Map.of()).hash());
    }

    @Test
    void withAModelsListInitFromStartsTheNamedModelsOnly(@TempDir Path dir) throws Exception {
        StreamtrainConfig c = yaml(dir, TWO_MODELS, Map.of("model.init-from", "wide:20"));
        assertThat(c.models()).extracting(ModelSpec::initFrom)
                .containsExactly(null, new InitFrom("wide", 20, "model.init-from"));
        StreamtrainConfig both = yaml(dir, TWO_MODELS, Map.of("model.init-from", "wide:20;small:latest"));
        assertThat(both.models()).extracting(m -> m.initFrom().toString()).containsExactly("small:latest", "wide:20");
        // an entry's own key may start it from any model's snapshot
        StreamtrainConfig own = yaml(dir, TWO_MODELS, Map.of("models.small.model.init-from", "seed:7"));
        assertThat(own.models()).extracting(ModelSpec::initFrom)
                .containsExactly(new InitFrom("seed", 7, "models.small.model.init-from"), null);
        // the per-model hash changes for the warm-started model alone
        StreamtrainConfig cold = yaml(dir, TWO_MODELS, Map.of());
        assertThat(c.models().get(0).configHash()).isEqualTo(cold.models().get(0).configHash());
        assertThat(c.models().get(1).configHash()).isNotEqualTo(cold.models().get(1).configHash());

        assertThatThrownBy(() -> yaml(dir, TWO_MODELS, Map.of("model.init-from", "seed:20")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("model.init-from: seed:20 names no model of models [small, wide]")
                .hasMessageContaining("models.<id>.model.init-from");
        assertThatThrownBy(() -> yaml(dir, TWO_MODELS, Map.of("model.init-from", "wide:20;wide:30")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("model.init-from: model 'wide' is named twice");
        assertThatThrownBy(() -> yaml(dir, TWO_MODELS, Map.of("model.init-from", "wide:20",
                "models.wide.model.init-from", "small:3")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("model.init-from: wide:20 and models.wide.model.init-from=small:3 both say");
        assertThatThrownBy(() -> yaml(dir, TWO_MODELS, Map.of("models.wide.model.init-from", "small:3;small:4")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("models.wide.model.init-from: model 'wide' starts from one snapshot");
        assertThatThrownBy(() -> yaml(dir, TWO_MODELS, Map.of("models.wide.model.init-from", "small")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("models.wide.model.init-from: expected MODEL:VERSION");
    }

    private static final String SECURED_KAFKA = """
            kafka:
              bootstrap-servers: broker-1:9093
              properties:
                security.protocol: SASL_SSL
                sasl.mechanism: SCRAM-SHA-512
                sasl.jaas.config: >-
                  org.apache.kafka.common.security.scram.ScramLoginModule required
                  username="trainer" password="${env:KAFKA_PASSWORD}";
                ssl.truststore.location: /etc/kafka/truststore.jks
                ssl.truststore.password: tru5tme
                client:
                  dns.lookup: use_all_dns_ips
            """;

    @Test
    void kafkaClientPropertiesPassThroughFromTheFileAndFromSet(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("kafka.yaml");
        Files.writeString(file, SECURED_KAFKA);
        StreamtrainConfig c = StreamtrainConfig.load(file, Map.of("kafka.properties.ssl.endpoint.identification.algorithm",
                "", "kafka.properties.sasl.mechanism", "PLAIN"), Map.of("KAFKA_PASSWORD", "pa55word")::get);
        assertThat(c.kafkaProperties()).containsExactly(
                Map.entry("client.dns.lookup", "use_all_dns_ips"),
                Map.entry("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                        + "username=\"trainer\" password=\"pa55word\";"),
                Map.entry("sasl.mechanism", "PLAIN"),
                Map.entry("security.protocol", "SASL_SSL"),
                Map.entry("ssl.endpoint.identification.algorithm", ""),
                Map.entry("ssl.truststore.location", "/etc/kafka/truststore.jks"),
                Map.entry("ssl.truststore.password", "tru5tme"));
        assertThat(c.get(KafkaOptions.PROPERTIES)).isEqualTo(c.kafkaProperties());
        assertThat(StreamtrainConfig.of(Map.of()).kafkaProperties()).isEmpty();
    }

    @Test
    void kafkaSecretsAreMaskedWhereverTheConfigurationIsPrinted(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("kafka.yaml");
        Files.writeString(file, SECURED_KAFKA);
        StreamtrainConfig c = StreamtrainConfig.load(file, Map.of("kafka.properties.sasl.oauthbearer.token.endpoint.url",
                "https://idp/token", "kafka.properties.basic.auth.user.info", "u:${env:KAFKA_PASSWORD}",
                "kafka.properties.ssl.key.password", "k3y"), Map.of("KAFKA_PASSWORD", "pa55word")::get);
        for (String printed : new String[] {c.redacted().toString(), c.toString()}) {
            assertThat(printed).doesNotContain("pa55word", "tru5tme", "k3y", "username=")
                    .contains("kafka.properties.sasl.jaas.config=***", "kafka.properties.ssl.truststore.password=***",
                            "kafka.properties.ssl.key.password=***", "kafka.properties.sasl.oauthbearer.token.endpoint.url=***",
                            // not secret: shown as written
                            "kafka.properties.security.protocol=SASL_SSL", "kafka.properties.sasl.mechanism=SCRAM-SHA-512",
                            "kafka.properties.ssl.truststore.location=/etc/kafka/truststore.jks",
                            "kafka.properties.basic.auth.user.info=u:${env:KAFKA_PASSWORD}",
                            "kafka.bootstrap-servers=broker-1:9093");
        }
        assertThat(KafkaOptions.isSecret("kafka.properties.sasl.jaas.config")).isTrue();
        assertThat(KafkaOptions.isSecret("kafka.properties.ssl.keystore.key")).isTrue();
        assertThat(KafkaOptions.isSecret("kafka.properties.sasl.client.callback.handler.class")).isFalse();
        assertThat(KafkaOptions.isSecret("kafka.properties.SSL.KEYSTORE.PASSWORD")).isTrue();
    }

    @Test
    void kafkaClientPropertiesDoNotChangeTheConfigurationHash(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("kafka.yaml");
        Files.writeString(file, SECURED_KAFKA);
        StreamtrainConfig secured = StreamtrainConfig.load(file, Map.of(), Map.of("KAFKA_PASSWORD", "x")::get);
        StreamtrainConfig plain = StreamtrainConfig.of(Map.of("kafka.bootstrap-servers", "broker-1:9093"));
        assertThat(secured.hash()).isEqualTo(plain.hash());
        assertThat(secured.models().get(0).configHash()).isEqualTo(plain.models().get(0).configHash());
    }

    @Test
    void kafkaClientPropertiesThatStreamtrainSetsItselfAreRefusedNamingTheKeyToUse() {
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("kafka.properties.bootstrap.servers", "b:9092")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("kafka.properties.bootstrap.servers: streamtrain sets bootstrap.servers itself; set "
                        + "kafka.bootstrap-servers instead");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("kafka.properties.group.id", "g")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("set kafka.group-id instead");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("kafka.properties.value.deserializer", "x")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("kafka.properties.value.deserializer: ");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("kafka.properties.", "x")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("kafka.properties.: names no Kafka client property");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("kafka.properties", "security.protocol:SSL")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("give each Kafka client property as its own key");
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("kafka.propertys.security.protocol", "SSL")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("unknown configuration key");
    }
}
