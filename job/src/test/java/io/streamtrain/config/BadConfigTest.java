package io.streamtrain.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A bad setting fails when the configuration is read, before any job starts, with a message that
 * names the key and what it may be: the allowed values, the range, or the key that was meant.
 */
class BadConfigTest {
    private static final Path SEED_YAML = Path.of("..", "config", "seed.yaml");

    /**
     * Each line: the key, the bad value, and what the message must say besides the key (the
     * allowed values or range; several parts separated by '&').
     */
    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // unknown names of things
        "model.hidden-activation | swish | unknown activation 'swish' & allowed: relu, sigmoid, tanh, identity, softmax",
        "model.output | softplus | unknown activation 'softplus' & allowed: relu",
        "model.loss | hinge | unknown loss 'hinge' & allowed: cross-entropy, mse",
        "model.init | orthogonal | unknown initializer 'orthogonal' & allowed: he, xavier",
        "optimizer.name | lbfgs | unknown optimizer 'lbfgs' & allowed: sgd",
        "optimizer.schedule | exponential | unknown learning-rate schedule 'exponential' & allowed:",
        "data.format | parquet | must be csv, json or dense, got 'parquet'",
        "data.generator | mnist | must be seed, fashion-mnist or file, got 'mnist'",
        "data.header | maybe | must be auto, true or false, got 'maybe'",
        "compute.backend | tpu | must be auto, cpu or cuda, got 'tpu'",
        "training.dtype | float16 | must be float32 or float64, got 'float16'",
        // numbers out of range
        "training.batch-size | -1 | -1 is out of range [1, 1048576]",
        "training.batch-size | 0 | 0 is out of range [1, 1048576]",
        "training.window-blocks | 0 | 0 is out of range [1, 1048576]",
        "training.max-in-flight | 0 | 0 is out of range [1, 1048576]",
        "training.read-ahead | lots | cannot read 'lots' as a size like 64mb or 512kb",
        "training.max-staleness | -2 | must be -1 (no bound) or >= 0",
        "training.divergence-factor | 0.5 | must be 0 (off) or a finite number > 1",
        "training.divergence-factor | -10 | must be 0 (off) or a finite number > 1",
        "training.divergence-warmup | 0 | 0 is out of range [1, 2147483647]",
        "optimizer.learning-rate | 0 | 0.0 must be > 0.0",
        "optimizer.learning-rate | -0.1 | -0.1 must be > 0.0",
        "optimizer.learning-rate | NaN | NaN must be > 0.0",
        "optimizer.l2 | -1 | -1.0 must be >= 0.0",
        "optimizer.momentum | 1 | 1.0 must be in [0, 1)",
        "optimizer.beta2 | 1.5 | 1.5 must be in [0, 1)",
        "optimizer.clip-norm | -1 | must be >= 0.0",
        "model.init-scale | 0 | must be > 0.0",
        "model.layers | 2 | needs at least two sizes, each >= 1, got [2]",
        "model.layers | 2;0;2 | needs at least two sizes, each >= 1, got [2, 0, 2]",
        "data.max-abs-value | 0 | 0.0 must be > 0.0",
        "data.max-abs-value | 1e39 | is beyond the largest 32-bit float",
        "data.max-row-bytes | 0 | 0 is out of range [1, 2147483647]",
        "data.rows-per-message | 0 | 0 is out of range [1, 65536]",
        "data.rows-per-message | 8 | 8 rows a message needs data.format=dense (fixed-length rows back to back), not csv",
        "data.feature-scale | 0 | must be a finite number > 0",
        "data.holdout-fraction | 1 | must be in [0, 1)",
        "data.epochs | 0 | out of range [1, 1000000]",
        "kafka.partitions | 0 | 0 is out of range [1, 10000]",
        "kafka.max-message-bytes | 10 | 10 is out of range [1024, 2147483647]",
        "kafka.rows-fetch-bytes | 1023 | 1023 is out of range [1024, 1073741823]",
        "kafka.rows-topic | `rows topic` | is not a valid Kafka topic name & letters, digits, '.', '_' and '-'",
        "sink.url | postgresql://localhost/db | must be a JDBC url (jdbc:sqlite:..., jdbc:postgresql:..., jdbc:mariadb:...)",
        "sink.table-prefix | `drop table;` | must be letters, digits and underscores",
        "sink.every-versions | -1 | -1 is out of range [0, 2147483647]",
        "job.parallelism | 0 | 0 is out of range [1, 1024]",
        "job.shards | 1 | is below job.parallelism=2",
        "model.id | 1seed | letters, digits, _ and -, starting with a letter",
        // values that do not parse as their type
        "training.batch-size | many | cannot read 'many' as an integer",
        "training.batch-timeout | fast | cannot read 'fast' as a duration like 200ms or 5s",
        "training.window-timeout | -5s | cannot read '-5s' as a duration like 200ms or 5s",
        "optimizer.learning-rate | high | cannot read 'high' as a number",
        "data.shuffle | maybe | cannot read 'maybe' as true or false",
        "training.local-overlap | sometimes | cannot read 'sometimes' as true or false",
        "model.layers | 2;x;2 | cannot read '2;x;2' as a list like [2, 2, 2]",
    })
    void aBadValueNamesTheKeyAndWhatIsAllowed(String key, String value, String expected) {
        assertThatThrownBy(() -> StreamtrainConfig.load(SEED_YAML, Map.of(key, value)))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> {
                    org.assertj.core.api.Assertions.assertThat(e.getMessage()).contains(key);
                    for (String part : expected.split("&")) {
                        org.assertj.core.api.Assertions.assertThat(e.getMessage()).contains(part.trim());
                    }
                });
    }

    /** A key that is not one (a typo, a key of another version): rejected with the key that was meant. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "trainig.batch-size | training.batch-size",
        "training.batchsize | training.batch-size",
        "optimizer.learning_rate | optimizer.learning-rate",
        "model.layer | model.layers",
        "data.max-row-byte | data.max-row-bytes",
        "kafka.dlq | kafka.dlq-topic",
        "training.divergence | training.divergence-factor",
    })
    void anUnknownKeyIsRejectedWithTheKeyThatWasMeant(String typo, String meant) {
        assertThatThrownBy(() -> StreamtrainConfig.load(SEED_YAML, Map.of(typo, "1")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("unknown configuration key '" + typo + "'; did you mean '" + meant + "'?");
    }

    @org.junit.jupiter.api.Test
    void anUnknownKeyFarFromAnyNamesTheKeysOfItsSection() {
        assertThatThrownBy(() -> StreamtrainConfig.load(SEED_YAML, Map.of("sink.password", "x")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("unknown configuration key 'sink.password'; the sink.* keys are sink.url, ");
    }
}
