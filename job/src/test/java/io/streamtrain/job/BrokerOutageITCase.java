package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.cli.LocalRun;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.connectors.format.ModelVersionFormat;
import io.streamtrain.connectors.jdbc.SnapshotReader;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.connectors.record.ModelVersion;
import io.streamtrain.testing.TopicRecords;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Kafka broker is stopped for 20 s mid-run and started again on the same ports and log dirs:
 * the job's Kafka clients (rows and parameters sources, parameters and dead-letter sinks) and the
 * row producer retry until it is back, the job goes on without a restart, and every row is trained
 * exactly once.
 */
class BrokerOutageITCase extends LocalLoopTestBase {
    private static final Path SEED_YAML = Path.of("..", "config", "seed.yaml");
    private static final String JOB = "broker-outage";
    private static final int ROWS = 40_000;
    private static final Duration OUTAGE = Duration.ofSeconds(20);

    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster(REPORTER);

    @Test
    void theJobRidesOutABrokerOutageAndTrainsEveryRowExactlyOnce() throws Exception {
        StreamtrainConfig config = config(SEED_YAML, Map.of("job.name", JOB, "job.checkpoint-interval", "500ms",
                "data.rows", Integer.toString(ROWS), "data.rate", "2000"));
        kafka.createTopics(Map.of("rows", 2, "rows.dlq", 2, "params", 1, "rows.holdout", 1));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);

        AtomicBoolean started = new AtomicBoolean();
        AtomicLong rowsBefore = new AtomicLong(-1);
        CompletableFuture<Void> outage = new CompletableFuture<>();
        LocalRun.Result result = new LocalRun(config, dir, List.of())
                .onVersion(v -> {
                    if (v.version() >= 20 && started.compareAndSet(false, true)) {
                        rowsBefore.set(v.rowsTrained());
                        Thread t = new Thread(() -> {
                            try {
                                kafka.stop();
                                Thread.sleep(OUTAGE.toMillis());
                                kafka.restart();
                                outage.complete(null);
                            } catch (Throwable e) {
                                outage.completeExceptionally(e);
                            }
                        }, "broker-outage");
                        t.setDaemon(true);
                        t.start();
                    }
                })
                .run(env, Duration.ofMinutes(5));
        outage.get(1, TimeUnit.MINUTES);

        // the outage began mid-run: most rows were trained after it
        assertThat(rowsBefore.get()).isBetween(1L, ROWS / 2L);
        LocalRun.ModelResult seed = result.model("seed");
        assertThat(seed.rowsTrained()).isEqualTo(ROWS);
        assertThat(seed.rowsRejected()).isZero();
        assertThat(seed.holdoutAccuracy()).isGreaterThanOrEqualTo(0.98);

        // no restart: one timeline, generation 0, its versions counting the rows once
        ModelSnapshot last = seed.finalSnapshot();
        assertThat(last.generation()).isZero();
        assertThat(last.rowsTrained()).isEqualTo(ROWS);
        assertThat(SnapshotReader.all(snapshotUrl(), "", "seed")).filteredOn(ModelSnapshot::last).hasSize(1);
        List<ModelVersion> versions = TopicRecords.readAll(kafka.bootstrapServers(), "params").stream()
                .map(r -> ModelVersionFormat.decode(r.value())).toList();
        assertThat(versions).allSatisfy(v -> assertThat(v.generation()).isZero());
        assertThat(versions).filteredOn(ModelVersion::last).extracting(ModelVersion::rowsTrained).containsOnly((long) ROWS);
        // every version 1..final once in the timeline; a version published twice (at-least-once) carries
        // the same counts both times
        Map<Long, List<Long>> rowsByVersion = versions.stream().collect(Collectors.groupingBy(ModelVersion::version,
                Collectors.mapping(ModelVersion::rowsTrained, Collectors.toList())));
        assertThat(rowsByVersion.keySet()).containsAll(
                LongStream.rangeClosed(1, last.version()).boxed().toList());
        assertThat(rowsByVersion.values()).allSatisfy(r -> assertThat(r).containsOnly(r.get(0)));
        assertThat(jobGauge(REPORTER, JOB, "numRestarts")).isZero();
    }
}
