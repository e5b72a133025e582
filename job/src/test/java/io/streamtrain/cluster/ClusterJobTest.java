package io.streamtrain.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.config.ConfigException;
import io.streamtrain.config.JobOptions;
import io.streamtrain.config.KafkaOptions;
import io.streamtrain.config.StreamtrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job jar's entry point: where its configuration comes from, and what it refuses. */
class ClusterJobTest {
    @TempDir
    Path dir;

    @Test
    void aBundledConfigurationIsFoundByNameAndTheOverridesApply() throws Exception {
        Map<String, String> overrides = Map.of("kafka.bootstrap-servers", "kafka:9092");
        StreamtrainConfig byName = ClusterJob.load("seed.yaml", overrides);
        StreamtrainConfig byPath = ClusterJob.load("config/seed.yaml", overrides);
        StreamtrainConfig file = StreamtrainConfig.load(Path.of("../config/seed.yaml"), overrides);
        assertThat(byName.hash()).isEqualTo(file.hash()).isEqualTo(byPath.hash());
        assertThat(byName.get(KafkaOptions.BOOTSTRAP_SERVERS)).isEqualTo("kafka:9092");
        assertThat(byName.get(JobOptions.BOUNDED)).as("unbounded unless set").isFalse();
        assertThat(ClusterJob.bundled()).contains("seed.yaml", "fashion-mnist.yaml", "model-selection.yaml");
    }

    @Test
    void aFileWinsOverTheBundledOneOfTheSameName() throws Exception {
        Path own = dir.resolve("seed.yaml");
        Files.writeString(own, "model:\n  id: mine\n  layers: [2, 3, 2]\n");
        assertThat(ClusterJob.load(own.toString(), Map.of()).models().get(0).id()).isEqualTo("mine");
    }

    @Test
    void anUnknownConfigurationNamesWhatTheJarHas() {
        assertThatThrownBy(() -> ClusterJob.load("nope.yaml", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--config nope.yaml: there is no such file")
                .hasMessageContaining("seed.yaml");
    }

    @Test
    void withoutKafkaTheJobIsNotBuiltAndTheErrorNamesTheKey() {
        ClusterJob job = new ClusterJob();
        job.config = "seed.yaml";
        assertThatThrownBy(() -> job.run(StreamExecutionEnvironment.getExecutionEnvironment()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("kafka.bootstrap-servers is not set");
    }

    @Test
    void theEffectiveConfigurationMasksPasswordsAndKeepsPlaceholders() throws Exception {
        StreamtrainConfig config = StreamtrainConfig.of(Map.of(
                "sink.url", "jdbc:postgresql://db:5432/train?user=u&password=secret",
                "kafka.bootstrap-servers", "${env:HOME}"));
        Map<String, String> effective = config.effective();
        assertThat(effective.get("sink.url")).doesNotContain("secret").contains("password=***");
        assertThat(effective.get("kafka.bootstrap-servers")).isEqualTo("${env:HOME}");
        assertThat(effective).containsEntry("job.bounded", "false").containsKey("optimizer.learning-rate");
    }
}
