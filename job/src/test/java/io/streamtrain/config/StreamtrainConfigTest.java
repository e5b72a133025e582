package io.streamtrain.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamtrainConfigTest {
    private static final Path SEED_YAML = Path.of("..", "config", "seed.yaml");

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
}
