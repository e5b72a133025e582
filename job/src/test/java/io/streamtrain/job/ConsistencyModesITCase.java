package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.cli.LocalRun;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.connectors.format.ModelVersionFormat;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.connectors.record.ModelVersion;
import io.streamtrain.data.SeedData;
import io.streamtrain.nn.ReferenceTrainer;
import io.streamtrain.testing.TopicRecords;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.scope.ScopeFormat;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The three consistency modes on the whole loop, at parallelism 2 with checkpoints on. The rows
 * topic has one partition, so one parser cuts the rows into blocks in the topic's order and deals
 * them to the two shards in turn: block 2k to one shard, block 2k+1 to the other, a deterministic
 * partition-to-shard assignment and row order. Then in sync mode version k is one block from each
 * shard, both computed on version k-1: mini-batch gradient descent on rows 128(k-1) .. 128k.
 */
class ConsistencyModesITCase extends LocalLoopTestBase {
    private static final Path SEED_YAML = Path.of("..", "config", "seed.yaml");
    private static final int BATCH = 64;

    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster(REPORTER);

    private LocalRun.Result run(String job, int rows, Map<String, String> mode) throws Exception {
        return run(job, rows, mode, Map.of("rows", 1, "rows.dlq", 1, "params", 1));
    }

    private LocalRun.Result run(String job, int rows, Map<String, String> mode, Map<String, Integer> topics)
            throws Exception {
        Map<String, String> all = new HashMap<>(Map.of("job.name", job, "job.parallelism", "2",
                "job.checkpoint-interval", "500ms", "kafka.partitions", "1", "kafka.holdout-topic", "",
                "data.rows", Integer.toString(rows), "data.shuffle", "false", "training.batch-size",
                Integer.toString(BATCH), "training.batch-timeout", "0ms", "training.dtype", "float64"));
        all.putAll(mode);
        StreamtrainConfig config = config(SEED_YAML, all);
        kafka.createTopics(topics);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        return new LocalRun(config, dir, List.of()).run(env, Duration.ofMinutes(3));
    }

    @Test
    void syncEqualsMiniBatchGradientDescentOnTheUnionOfTheShardsBatches() throws Exception {
        int steps = 100;
        // one step more than compared, so that the end of input plays no part in versions 1..100
        int rows = (steps + 1) * 2 * BATCH;
        LocalRun.Result result = run("consistency-sync", rows, Map.of("training.consistency", "sync"));
        StreamtrainConfig config = config(SEED_YAML, Map.of("training.dtype", "float64"));

        LocalRun.ModelResult seed = result.model("seed");
        assertThat(seed.rowsTrained()).isEqualTo(rows);
        assertThat(seed.versions()).isEqualTo(steps + 1);
        ModelSnapshot last = seed.finalSnapshot();
        assertThat(last.blocksDropped()).isZero();
        assertThat(last.stalenessMax()).isZero();

        Map<Long, ModelVersion> versions = new HashMap<>();
        TopicRecords.readAll(kafka.bootstrapServers(), "params").forEach(r -> {
            ModelVersion v = ModelVersionFormat.decode(r.value());
            versions.putIfAbsent(v.version(), v);
        });
        ReferenceTrainer reference = new ReferenceTrainer(config.architecture(), config.updateRule(),
                config.initialParameters(), DataType.DOUBLE, 2 * BATCH);
        float[][] data = new SeedData(42).arrays(steps * 2 * BATCH);
        for (int k = 1; k <= steps; k++) {
            int from = (k - 1) * 2 * BATCH;
            reference.step(Arrays.copyOfRange(data[0], 2 * from, 2 * (from + 2 * BATCH)),
                    Arrays.copyOfRange(data[1], from, from + 2 * BATCH), 2 * BATCH);
            ModelVersion v = versions.get((long) k);
            assertThat(v).as("version %d", k).isNotNull();
            assertThat(v.rowsTrained()).isEqualTo((long) k * 2 * BATCH);
            assertThat(relativeDistance(v.parameters(), reference.parameters())).as("version %d", k)
                    .isLessThanOrEqualTo(1e-6);
        }
        // and it trained: the reference after 100 steps is not the start
        assertThat(relativeDistance(config.initialParameters(), reference.parameters())).isGreaterThan(1e-2);
    }

    @Test
    void boundedDropsAndCountsGradientsStalerThanItsBound() throws Exception {
        int rows = 200 * BATCH;
        // four blocks in flight per shard and one block per version: the blocks a shard sends before
        // a version comes back are 1, 2, 3 versions stale when applied, beyond a bound of 0
        LocalRun.Result result = run("consistency-bounded", rows, Map.of("training.consistency", "bounded",
                "training.max-staleness", "0", "training.max-in-flight", "4", "training.window-blocks", "1"));
        ModelSnapshot last = result.model("seed").finalSnapshot();
        assertThat(last.blocksDropped()).isPositive();
        // every block is full: the rows not trained are exactly those of the dropped blocks
        assertThat(last.rowsTrained()).isEqualTo(rows - BATCH * last.blocksDropped());
        assertThat(last.stalenessMax()).isZero();
        // the staleness of every block consumed, dropped ones too, is in the updater's histogram
        Histogram staleness = stalenessHistogram("consistency-bounded");
        assertThat(staleness.getCount()).isEqualTo(rows / BATCH);
        assertThat(staleness.getStatistics().getMax()).isGreaterThan(0);
    }

    @Test
    void asyncHasNoFlowControlAndDropsNothing() throws Exception {
        int rows = 200 * BATCH;
        // a staleness bound is not used in async mode (a WARN says so)
        LocalRun.Result result = run("consistency-async", rows, Map.of("training.consistency", "async",
                "training.max-staleness", "0", "training.max-in-flight", "1"));
        ModelSnapshot last = result.model("seed").finalSnapshot();
        assertThat(last.rowsTrained()).isEqualTo(rows);
        assertThat(last.blocksDropped()).isZero();
        Histogram staleness = stalenessHistogram("consistency-async");
        assertThat(staleness.getCount()).isEqualTo(rows / BATCH);
        // with max-in-flight 1 in bounded mode no block could be more than one window stale; here
        // the shards ran ahead of the versions
        assertThat(last.stalenessMax()).isEqualTo(staleness.getStatistics().getMax());
        assertThat(last.stalenessMax()).isGreaterThan(0);
    }

    /** Both ways a replica may spend the time its change travels: waiting for the merged version, or training on. */
    @ParameterizedTest(name = "training.local-overlap={0}")
    @ValueSource(booleans = {false, true})
    void localTrainsReplicasOnTheShardsAndMergesFewerVersionsOfEveryRow(boolean overlap) throws Exception {
        int rows = 20_000;
        String job = "consistency-local-" + overlap;
        // 313 blocks of 64 rows (the last of 32), dealt to the two shards: each replica trains 4 of
        // them between merges, so at most 40 + 39 merges, where bounded mode sends 313 gradients
        LocalRun.Result result = run(job, rows, Map.of("training.consistency", "local",
                "training.local-steps", "4", "training.local-overlap", Boolean.toString(overlap),
                "training.window-blocks", "2", "kafka.holdout-topic", "rows.holdout"),
                Map.of("rows", 1, "rows.dlq", 1, "params", 1, "rows.holdout", 1));
        LocalRun.ModelResult seed = result.model("seed");
        ModelSnapshot last = seed.finalSnapshot();
        assertThat(last.rowsTrained()).isEqualTo(rows);
        assertThat(last.blocksDropped()).isZero();
        assertThat(last.updatesRefused()).isZero();
        assertThat(last.divergences()).isZero();
        assertThat(seed.versions()).isBetween(40L, 79L);
        // the merges the updater consumed are every replica's, counted in the staleness histogram
        Histogram staleness = stalenessHistogram(job);
        assertThat(staleness.getCount()).isEqualTo(79);
        assertThat(seed.holdoutAccuracy()).isGreaterThanOrEqualTo(0.99);
    }

    private static Histogram stalenessHistogram(String job) {
        Histogram found = null;
        for (var e : REPORTER.getMetricsByGroup().entrySet()) {
            Map<String, String> vars = e.getKey().getAllVariables();
            String op = vars.get(ScopeFormat.SCOPE_OPERATOR_NAME);
            if (job.equals(vars.get(ScopeFormat.SCOPE_JOB_NAME)) && op != null && op.startsWith("parameter-updater")
                    && "seed".equals(vars.get("<model>"))
                    && e.getValue().get(UpdaterMetrics.STALENESS) instanceof Histogram h) {
                found = h;
            }
        }
        assertThat(found).as("staleness histogram of job " + job).isNotNull();
        return found;
    }

    /** ||a - b|| / ||b||. */
    private static double relativeDistance(double[] a, double[] b) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < a.length; i++) {
            diff += (a[i] - b[i]) * (a[i] - b[i]);
            norm += b[i] * b[i];
        }
        return Math.sqrt(diff / norm);
    }
}
