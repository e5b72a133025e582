package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamtrain.cli.LocalRun;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.connectors.jdbc.SnapshotReader;
import io.streamtrain.connectors.jdbc.SnapshotSinkMetrics;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.connectors.record.ModelVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.metrics.scope.ScopeFormat;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The training operators' Flink metrics, read through a metric reporter of a MiniCluster after a
 * bounded asynchronous run on a real embedded Kafka broker and a SQLite file: exact where the
 * values are exact (versions, rows), consistent with the final version and snapshot elsewhere.
 */
class TrainingMetricsITCase extends LocalLoopTestBase {
    private static final Path SEED_YAML = Path.of("..", "config", "seed.yaml");
    private static final String JOB_NAME = "metrics-test";
    private static final long ROWS = 20_000;
    private static final List<String> BAD_ROWS = List.of("1.0,2.0", "x,1,0", "0.5,0.5,7");

    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster(REPORTER);

    @Test
    void operatorsReportProgressStalenessRoundTripComputeTimeAndSnapshotLag() throws Exception {
        String url = snapshotUrl();
        AtomicReference<ModelVersion> last = new AtomicReference<>();
        // two blocks in flight per shard: asynchronous, so blocks can be stale
        StreamtrainConfig config = config(SEED_YAML, Map.of("job.name", JOB_NAME, "data.rows", Long.toString(ROWS),
                "data.holdout-rows", "0", "training.max-in-flight", "2", "sink.every-versions", "10"));
        kafka.createTopics(Map.of("rows", 2, "rows.dlq", 2, "params", 1, "rows.holdout", 1));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        List<byte[]> bad = BAD_ROWS.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
        LocalRun.Result result = new LocalRun(config, dir, bad).onVersion(last::set).run(env, Duration.ofMinutes(5));
        ModelVersion finalVersion = last.get();
        assertThat(finalVersion.last()).isTrue();
        List<ModelSnapshot> snapshots = SnapshotReader.all(url, "", "seed");
        ModelSnapshot finalSnapshot = snapshots.get(snapshots.size() - 1);
        assertThat(result.model("seed").rowsTrained()).isEqualTo(ROWS);
        long versions = finalVersion.version();
        assertThat(versions).isEqualTo(result.model("seed").versions());

        Map<String, Metric> updater = onlySubtask(metrics("parameter-updater", "seed"));
        assertThat(gauge(updater, UpdaterMetrics.VERSION)).isEqualTo(versions);
        assertThat(gauge(updater, UpdaterMetrics.ROWS_TRAINED)).isEqualTo(ROWS);
        assertThat(gauge(updater, UpdaterMetrics.ROWS_REJECTED)).isEqualTo((long) BAD_ROWS.size());
        assertThat(gauge(updater, UpdaterMetrics.PREQUENTIAL_LOSS)).isEqualTo(finalVersion.prequentialLoss());
        assertThat(gauge(updater, UpdaterMetrics.PREQUENTIAL_ACCURACY)).isEqualTo(finalVersion.prequentialAccuracy());
        assertThat(gauge(updater, UpdaterMetrics.STALENESS_MEAN)).isEqualTo(finalSnapshot.stalenessMean());
        assertThat(gauge(updater, UpdaterMetrics.STALENESS_MAX)).isEqualTo(finalSnapshot.stalenessMax());
        assertThat(gauge(updater, UpdaterMetrics.BLOCKS_DROPPED)).isEqualTo(0L);
        assertThat(gauge(updater, UpdaterMetrics.UPDATES_REFUSED)).isEqualTo(0L);
        // one staleness sample per gradient block consumed, none dropped
        Histogram staleness = histogram(updater, UpdaterMetrics.STALENESS);
        assertThat(staleness.getCount()).isEqualTo(Arrays.stream(finalVersion.shardBlocks()).sum());
        assertThat(staleness.getStatistics().getMax()).isEqualTo(finalSnapshot.stalenessMax());
        assertThat(staleness.getStatistics().getMean()).isCloseTo(finalSnapshot.stalenessMean(), within(1e-9));

        // every worker received every version once, and timed its trip from the updater; it timed
        // every gradient it computed, one sample per block the updater consumed
        Map<Integer, Map<String, Metric>> workers = metrics("gradient-worker", "seed");
        assertThat(workers).hasSize(2);
        long computed = 0;
        for (Map<String, Metric> worker : workers.values()) {
            Histogram compute = histogram(worker, GradientWorkerMetrics.COMPUTE_MICROS);
            assertThat(compute.getCount()).isPositive();
            assertThat(compute.getStatistics().getMin()).isGreaterThanOrEqualTo(0);
            computed += compute.getCount();
            assertThat(gauge(worker, GradientWorkerMetrics.VERSION)).isEqualTo(versions);
            Histogram roundTrip = histogram(worker, GradientWorkerMetrics.ROUND_TRIP_MILLIS);
            assertThat(roundTrip.getCount()).isEqualTo(versions);
            assertThat(roundTrip.getStatistics().getMin()).isGreaterThanOrEqualTo(0);
            assertThat(roundTrip.getStatistics().getQuantile(0.99))
                    .isGreaterThanOrEqualTo(roundTrip.getStatistics().getQuantile(0.5));
        }
        assertThat(computed).isEqualTo(Arrays.stream(finalVersion.shardBlocks()).sum());

        // one lag sample per snapshot written
        Map<String, Metric> sink = onlySubtask(metrics("snapshot-sink", "seed"));
        assertThat(gauge(sink, SnapshotSinkMetrics.SNAPSHOT_VERSION)).isEqualTo(versions);
        Histogram lag = histogram(sink, SnapshotSinkMetrics.SNAPSHOT_LAG_MILLIS);
        assertThat(lag.getCount()).isEqualTo(snapshots.size());
        assertThat(lag.getStatistics().getMin()).isGreaterThanOrEqualTo(0);
    }

    /** The metrics of {@code model} in each subtask of the operators named {@code operator...}, by subtask. */
    private static Map<Integer, Map<String, Metric>> metrics(String operator, String model) {
        Map<Integer, Map<String, Metric>> bySubtask = new TreeMap<>();
        REPORTER.getMetricsByGroup().forEach((group, metrics) -> {
            Map<String, String> vars = group.getAllVariables();
            String name = vars.get(ScopeFormat.SCOPE_OPERATOR_NAME);
            if (JOB_NAME.equals(vars.get(ScopeFormat.SCOPE_JOB_NAME)) && name != null && name.startsWith(operator)
                    && model.equals(vars.get("<model>"))) {
                bySubtask.computeIfAbsent(Integer.parseInt(vars.get(ScopeFormat.SCOPE_TASK_SUBTASK_INDEX)),
                        k -> new TreeMap<>()).putAll(metrics);
            }
        });
        return bySubtask;
    }

    private static Map<String, Metric> onlySubtask(Map<Integer, Map<String, Metric>> bySubtask) {
        assertThat(bySubtask).hasSize(1);
        return bySubtask.values().iterator().next();
    }

    private static Object gauge(Map<String, Metric> metrics, String name) {
        assertThat(metrics).containsKey(name);
        return ((Gauge<?>) metrics.get(name)).getValue();
    }

    private static Histogram histogram(Map<String, Metric> metrics, String name) {
        assertThat(metrics).containsKey(name);
        return (Histogram) metrics.get(name);
    }
}
