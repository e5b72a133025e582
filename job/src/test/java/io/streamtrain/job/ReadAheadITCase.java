package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.cli.LocalRun;
import io.streamtrain.config.StreamtrainConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.metrics.scope.ScopeFormat;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * training.read-ahead on a real broker and MiniCluster: synchronous steps of 2 x 16 rows
 * train far slower than the producer writes and the sources read, so without the bound the rows
 * move from the topic into the gradient workers while they wait for versions; with it they stay in
 * Kafka. Both runs train every row.
 */
class ReadAheadITCase extends LocalLoopTestBase {
    private static final Path SEED_YAML = Path.of("..", "config", "seed.yaml");
    private static final int ROWS = 40_000;
    private static final int BATCH = 16;
    private static final int BLOCKS = ROWS / BATCH;

    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster(REPORTER);

    /** The most blocks that waited in the gradient workers (the two subtasks' maxima, summed) of a run on its own topics. */
    private long mostBlocksWaiting(String readAhead, String job) throws Exception {
        kafka.createTopics(Map.of(job + ".rows", 2, job + ".dlq", 2, job + ".params", 1));
        StreamtrainConfig config = config(SEED_YAML, Map.ofEntries(Map.entry("job.name", job),
                Map.entry("data.rows", Integer.toString(ROWS)), Map.entry("data.holdout-rows", "0"),
                Map.entry("kafka.rows-topic", job + ".rows"), Map.entry("kafka.dlq-topic", job + ".dlq"),
                Map.entry("kafka.params-topic", job + ".params"), Map.entry("kafka.group-id", job),
                Map.entry("training.consistency", "sync"), Map.entry("training.batch-size", Integer.toString(BATCH)),
                Map.entry("training.read-ahead", readAhead), Map.entry("sink.every-versions", "1000")));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        LocalRun.Result result = new LocalRun(config, dir.resolve(job), List.of()).run(env, Duration.ofMinutes(5));
        assertThat(result.model("seed").rowsTrained()).isEqualTo(ROWS);
        long most = 0;
        int subtasks = 0;
        for (var e : REPORTER.getMetricsByGroup().entrySet()) {
            Map<String, String> vars = e.getKey().getAllVariables();
            if (job.equals(vars.get(ScopeFormat.SCOPE_JOB_NAME))
                    && "gradient-worker".equals(vars.get(ScopeFormat.SCOPE_OPERATOR_NAME))
                    && e.getValue().get(GradientWorkerMetrics.WAITING_BLOCKS_MAX) instanceof Gauge<?> g) {
                most += ((Number) g.getValue()).longValue();
                subtasks++;
            }
        }
        assertThat(subtasks).isEqualTo(2);
        return most;
    }

    @Test
    void theSourcesPauseWhileTheBoundIsReachedAndEveryRowIsStillTrained() throws Exception {
        long unbounded = mostBlocksWaiting("0", "read-ahead-off");
        // the topic fills within a second, the 1,250 versions take several: most blocks wait
        assertThat(unbounded).isGreaterThan(BLOCKS / 2);

        long bounded = mostBlocksWaiting("16kb", "read-ahead-16kb");
        // 16 kB of CSV seed rows (20-30 bytes each) is 546-819 rows, 34-51 blocks; each reader may take
        // what the bound leaves beyond what it has reported (every 2 kB), so at most 2 x (51 + 6) blocks
        // wait at once, and each worker's maximum is at most that
        assertThat(bounded).isLessThanOrEqualTo(2 * 2 * (51 + 6));
    }
}
