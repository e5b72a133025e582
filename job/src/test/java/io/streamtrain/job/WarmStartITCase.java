package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.cli.LocalRun;
import io.streamtrain.config.ConfigException;
import io.streamtrain.config.ModelSpec;
import io.streamtrain.config.StartPoint;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.connectors.jdbc.SnapshotReader;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.data.SeedData;
import io.streamtrain.nn.Architecture;
import io.streamtrain.nn.Kernel;
import io.streamtrain.nn.Network;
import io.streamtrain.nn.UpdateRule;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Warm start and rollback through the whole job on a MiniCluster, a real broker and a SQLite file:
 * a first run stores versions of two models with their Adam state; a second run starts one of them
 * from a stored version and it goes on exactly where it left off (its first step equals the
 * optimizer applied by hand to the stored parameters and state), as a new generation whose
 * versions follow the newest stored one, while the other model starts fresh after its own stored
 * versions.
 */
class WarmStartITCase extends LocalLoopTestBase {
    private static final Path SEED_YAML = Path.of("..", "config", "seed.yaml");
    private static final int BATCH = 64;

    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster(REPORTER);

    /**
     * One worker, one block per step, rows in the generator's order: version n is exactly n
     * optimizer steps on blocks 1..n. Each run has its own topics on the test's broker; held-out
     * rows only where {@code holdoutRows > 0}.
     */
    private StreamtrainConfig config(String run, int holdoutRows, Map<String, String> overrides) throws Exception {
        Map<String, String> all = new HashMap<>(Map.of(
                "kafka.rows-topic", "rows-" + run, "kafka.dlq-topic", "dlq-" + run, "kafka.params-topic", "params-" + run,
                "kafka.holdout-topic", holdoutRows > 0 ? "holdout-" + run : "",
                "kafka.partitions", "1", "job.parallelism", "1", "training.window-blocks", "1",
                "optimizer.name", "adam", "optimizer.learning-rate", "0.01"));
        all.put("data.holdout-rows", Integer.toString(holdoutRows));
        all.put("data.shuffle", "false");
        all.putAll(overrides);
        StreamtrainConfig config = config(SEED_YAML, all);
        Map<String, Integer> topics = new HashMap<>(Map.of("rows-" + run, 1, "dlq-" + run, 1, "params-" + run, 1));
        if (holdoutRows > 0) {
            topics.put("holdout-" + run, 1);
        }
        kafka.createTopics(topics);
        return config;
    }

    private LocalRun.Result run(StreamtrainConfig config) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        return new LocalRun(config, dir, List.of()).run(env, Duration.ofMinutes(3));
    }

    @Test
    void aListedModelStartsFromAStoredVersionAsANewBranchWhileTheOtherStartsFresh() throws Exception {
        String url = snapshotUrl();
        Map<String, String> twoModels = Map.of("models", "seed;wide", "models.wide.model.layers", "2;4;2");
        // run 1: 2,560 rows = 40 versions of each model, snapshots every 10; cells kept for the
        // newest 2, multiples of 20 and the final one
        Map<String, String> first = new HashMap<>(twoModels);
        first.putAll(Map.of("data.rows", "2560", "sink.every-versions", "10", "sink.retain-versions", "2",
                "sink.retain-every", "20"));
        LocalRun.Result one = run(config("a", 0, first));
        for (String model : List.of("seed", "wide")) {
            assertThat(one.model(model).rowsTrained()).isEqualTo(2560);
            List<ModelSnapshot> stored = SnapshotReader.all(url, "", model);
            assertThat(stored).extracting(ModelSnapshot::version).containsExactly(10L, 20L, 30L, 40L);
            assertThat(stored).extracting(s -> s.parameters() != null).containsExactly(false, true, true, true);
            assertThat(stored).allSatisfy(s -> {
                assertThat(s.generation()).isZero();
                assertThat(s.parentModel()).isNull();
            });
        }
        ModelSnapshot v20 = SnapshotReader.version(url, "", "seed", 20).orElseThrow();
        assertThat(v20.optimizerStep()).isEqualTo(20);
        assertThat(v20.optimizer()).isEqualTo("adam");
        assertThat(v20.optimizerState()).hasSize(2 * 12).doesNotContain(0.0);

        // run 2: "seed" rolls back to version 20 (the form of --init-from seed:20), "wide" is not
        // named and starts from its initial parameters; 640 rows, every version snapshotted, and
        // every snapshot scored on held-out rows
        Map<String, String> second = new HashMap<>(twoModels);
        second.putAll(Map.of("data.rows", "640", "sink.every-versions", "1", "model.init-from", "seed:20"));
        StreamtrainConfig config = config("b", 500, second);
        LocalRun.Result two = run(config);
        assertThat(two.holdoutRows()).isEqualTo(500);

        LocalRun.ModelResult seed = two.model("seed");
        assertThat(seed.rowsTrained()).isEqualTo(640); // counters start again for the new timeline
        assertThat(seed.versions()).isEqualTo(10);
        assertThat(seed.start()).satisfies(s -> {
            assertThat(s.generation()).isEqualTo(1);
            assertThat(s.version()).isEqualTo(40); // after the newest stored version: nothing is overwritten
            assertThat(s.step()).isEqualTo(20);
            assertThat(s.parentModel()).isEqualTo("seed");
            assertThat(s.parentVersion()).isEqualTo(20);
        });
        LocalRun.ModelResult wide = two.model("wide");
        assertThat(wide.start()).satisfies(s -> {
            assertThat(s.generation()).isEqualTo(1);
            assertThat(s.version()).isEqualTo(40);
            assertThat(s.step()).isZero();
            assertThat(s.warm()).isFalse();
        });

        List<ModelSpec> models = config.models();
        for (ModelSpec model : models) {
            boolean warm = model.id().equals("seed");
            List<ModelSnapshot> all = SnapshotReader.all(url, "", model.id());
            assertThat(all).hasSize(4 + 10);
            assertThat(all.subList(0, 4)).allSatisfy(s -> assertThat(s.generation()).isZero()); // the old branch stays
            List<ModelSnapshot> branch = all.subList(4, all.size());
            assertThat(branch).extracting(ModelSnapshot::version)
                    .containsExactly(41L, 42L, 43L, 44L, 45L, 46L, 47L, 48L, 49L, 50L);
            assertThat(branch).allSatisfy(s -> {
                assertThat(s.generation()).isEqualTo(1);
                assertThat(s.parentModel()).isEqualTo(warm ? "seed" : null);
                assertThat(s.parentVersion()).isEqualTo(warm ? 20 : -1);
                assertThat(s.optimizerStep()).isEqualTo((warm ? 20 : 0) + s.version() - 40);
                assertThat(s.configHash()).isEqualTo(model.configHash());
                assertThat(s.holdoutAccuracy()).isBetween(0.0, 1.0); // the evaluator keeps the lineage
            });
            assertThat(branch.get(branch.size() - 1).last()).isTrue();

            // the first step of the new branch: Adam's step 21 from version 20's parameters and
            // state for "seed", step 1 from version 0 for "wide", on the first block of run 2's rows
            Architecture arch = model.architecture();
            UpdateRule rule = model.updateRule();
            double[] theta = warm ? v20.parameters().clone() : model.initialParameters().clone();
            double[] state = warm ? v20.optimizerState().clone() : new double[rule.stateSize()];
            float[][] block = new SeedData(42).arrays(BATCH);
            Network net = Kernel.AUTO.create(arch, DataType.FLOAT, BATCH); // the kernel the workers pick
            net.setParameters(theta);
            double[] gradient = new double[arch.parameterCount()];
            net.gradient(block[0], block[1], BATCH, gradient);
            assertThat(rule.apply(theta, gradient, BATCH, state, warm ? 21 : 1)).isTrue();
            assertThat(branch.get(0).parameters()).as(model.id()).containsExactly(theta);
            assertThat(branch.get(0).optimizerState()).as(model.id()).containsExactly(state);
        }
        // the two models' configurations differ only where they should: "seed" records its warm start
        StreamtrainConfig cold = config("c", 0, twoModels);
        assertThat(models.get(0).configHash()).isNotEqualTo(cold.models().get(0).configHash());
    }

    @Test
    void whatCanAndCannotBeRestored() throws Exception {
        run(config("a", 0, Map.of("data.rows", "1280", "sink.every-versions", "10", "sink.retain-versions", "1")));
        // versions 10 (cells retired) and 20 (final)
        StartPoint sgd = start(config("b", 0, Map.of("model.init-from", "seed:latest", "optimizer.name", "sgd")));
        assertThat(sgd.version()).isEqualTo(20);
        assertThat(sgd.step()).isEqualTo(20); // stateless: the schedule goes on
        assertThat(sgd.optimizerState()).isEmpty();
        StartPoint rmsprop = start(config("c", 0, Map.of("model.init-from", "seed:20", "optimizer.name", "rmsprop")));
        assertThat(rmsprop.step()).isZero(); // adam's state is no rmsprop state: fresh state, step 0
        assertThat(rmsprop.optimizerState()).hasSize(12).containsOnly(0.0);
        StartPoint cold = start(config("d", 0, Map.of()));
        assertThat(cold.generation()).isEqualTo(1);
        assertThat(cold.version()).isEqualTo(20);
        assertThat(cold.parentModel()).isNull();
        // a new model may fork from another model's snapshot; its versions number on from the source's
        StartPoint fork = start(config("e", 0, Map.of("model.id", "fork", "model.init-from", "seed:20")));
        assertThat(fork.generation()).isEqualTo(1);
        assertThat(fork.version()).isEqualTo(20);
        assertThat(fork.parentModel()).isEqualTo("seed");
        assertThatThrownBy(() -> start(config("f", 0, Map.of("model.init-from", "seed:10"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("model.init-from")
                .hasMessageContaining("removed by retention");
        assertThatThrownBy(() -> start(config("g", 0, Map.of("model.init-from", "seed:11"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("no snapshot seed:11");
        assertThatThrownBy(() -> start(config("h", 0, Map.of("model.init-from", "seed:20", "model.layers", "2;3;2"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("model.init-from")
                .hasMessageContaining("model.layers");
        assertThatThrownBy(() -> start(config("i", 0, Map.of("model.init-from", "seed:20",
                "model.hidden-activation", "tanh"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("\"hidden\":\"relu\"");
        // in a models list the message names the entry's own key
        assertThatThrownBy(() -> ResolveStartPoint.resolve(config("j", 0, Map.of("models", "seed;wide",
                "models.wide.model.layers", "2;4;2", "models.wide.model.init-from", "seed:20"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("models.wide.model.init-from: seed:20 is ")
                .hasMessageContaining("models.wide.model.layers");
    }

    /** Where the configured (single) model starts. */
    private static StartPoint start(StreamtrainConfig config) throws Exception {
        return ResolveStartPoint.resolve(config).get(0).start();
    }
}
