package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.cli.LocalRun;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.connectors.format.ModelVersionFormat;
import io.streamtrain.connectors.jdbc.SnapshotReader;
import io.streamtrain.connectors.kafka.RawRowDeserializer;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.connectors.record.ModelVersion;
import io.streamtrain.connectors.record.RawRow;
import io.streamtrain.testing.TopicRecords;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A task fails mid-run (the rows source throws once, after a checkpoint has completed) and the job
 * restores from its checkpoint under a fixed-delay restart strategy: every row is trained exactly
 * once, the model still reaches the seed task's target, and the restored updater publishes a new
 * generation that the gradient workers follow, whatever the parameters topic replays.
 */
class TaskFailureITCase extends LocalLoopTestBase {
    private static final Path SEED_YAML = Path.of("..", "config", "seed.yaml");
    private static final String JOB = "task-failure";
    private static final int ROWS = 100_000;

    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster(REPORTER);

    /** Set by the test once a checkpoint has completed: the next row read fails its task, once. */
    static final AtomicBoolean ARMED = new AtomicBoolean();
    static final AtomicInteger FAILURES = new AtomicInteger();

    /** Reads rows like the job's own deserializer, but throws once when {@link #ARMED}. */
    static final class FailOnceDeserializer implements KafkaRecordDeserializationSchema<RawRow> {
        private static final long serialVersionUID = 1L;
        private final RawRowDeserializer rows = new RawRowDeserializer();

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRow> out) throws IOException {
            if (ARMED.compareAndSet(true, false)) {
                FAILURES.incrementAndGet();
                throw new IOException("injected task failure at " + record.topic() + "-" + record.partition() + "@"
                        + record.offset());
            }
            rows.deserialize(record, out);
        }

        @Override
        public TypeInformation<RawRow> getProducedType() {
            return rows.getProducedType();
        }
    }

    @Test
    void aFailedTaskRestoresFromItsCheckpointAndTrainsEveryRowExactlyOnce() throws Exception {
        failOnceAndRestore(JOB, Map.of());
    }

    /**
     * The local mode's replicas, their optimizer state and their unsent rows restore with the
     * checkpoint: still every row once, the target reached, the new generation followed.
     */
    @Test
    void inTheLocalModeReplicasRestoreFromTheCheckpointAndEveryRowIsTrainedOnce() throws Exception {
        failOnceAndRestore(JOB + "-local", Map.of("training.consistency", "local", "training.local-steps", "4",
                "optimizer.name", "adam", "optimizer.learning-rate", "0.01"));
    }

    private void failOnceAndRestore(String job, Map<String, String> mode) throws Exception {
        Map<String, String> overrides = new HashMap<>(Map.of("job.name", job, "job.checkpoint-interval", "300ms",
                "data.rows", Integer.toString(ROWS), "data.rate", "8000"));
        overrides.putAll(mode);
        StreamtrainConfig config = config(SEED_YAML, overrides);
        kafka.createTopics(Map.of("rows", 2, "rows.dlq", 2, "params", 1, "rows.holdout", 1));
        Configuration flink = new Configuration();
        flink.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        env.setParallelism(2);
        ARMED.set(false);
        FAILURES.set(0);
        AtomicBoolean armedOnce = new AtomicBoolean();
        AtomicLong checkpointsAtVersion20 = new AtomicLong(-1);
        AtomicLong versionAtFailure = new AtomicLong(-1);
        Map<Long, Long> highestVersionByGeneration = new java.util.concurrent.ConcurrentHashMap<>();

        LocalRun.Result result = new LocalRun(config, dir, List.of())
                .withRowsDeserializer(new FailOnceDeserializer())
                .onVersion(v -> {
                    highestVersionByGeneration.merge(v.generation(), v.version(), Math::max);
                    // mid-run, once a checkpoint taken after version 20 has completed: the restored
                    // updater is at version 20 or later
                    long checkpoints = jobGauge(REPORTER, job, "numberOfCompletedCheckpoints");
                    if (v.version() >= 20 && checkpointsAtVersion20.compareAndSet(-1, checkpoints)) {
                        return;
                    }
                    if (checkpointsAtVersion20.get() >= 0 && checkpoints > checkpointsAtVersion20.get() + 1
                            && armedOnce.compareAndSet(false, true)) {
                        versionAtFailure.set(v.version());
                        ARMED.set(true);
                    }
                })
                .run(env, Duration.ofMinutes(5));

        assertThat(FAILURES.get()).as("injected failures (armed at version %d)", versionAtFailure.get()).isEqualTo(1);
        LocalRun.ModelResult seed = result.model("seed");
        assertThat(versionAtFailure.get()).as("armed mid-run").isBetween(20L, seed.versions() - 1);
        assertThat(seed.rowsTrained()).isEqualTo(ROWS);
        assertThat(seed.rowsRejected()).isZero();
        assertThat(seed.holdoutAccuracy()).as("held-out accuracy of the final snapshot (scored again here: %s; "
                + "prequential %s)", seed.holdout().accuracy(), seed.prequentialAccuracy()).isGreaterThanOrEqualTo(0.99);

        // the restored run is a new generation, and its final snapshot says so
        ModelSnapshot last = seed.finalSnapshot();
        assertThat(last.generation()).isEqualTo(1);
        assertThat(last.rowsTrained()).isEqualTo(ROWS);
        assertThat(highestVersionByGeneration).as("highest version seen per generation").containsKeys(0L, 1L);
        List<ModelSnapshot> snapshots = SnapshotReader.all(snapshotUrl(), "", "seed");
        assertThat(snapshots).filteredOn(ModelSnapshot::last).hasSize(1);

        // on the parameters topic: generation 0 before the failure, then generation 1 only, and
        // version numbers of generation 1 that continue from the restored state
        List<ModelVersion> versions = TopicRecords.readAll(kafka.bootstrapServers(), "params").stream()
                .map(r -> ModelVersionFormat.decode(r.value())).toList();
        int firstNew = indexOfFirst(versions, 1);
        assertThat(firstNew).as("first version of generation 1 on the parameters topic").isPositive();
        assertThat(versions.subList(firstNew, versions.size())).as("versions after the first of generation 1")
                .allSatisfy(v -> assertThat(v.generation()).isEqualTo(1));
        assertThat(versions.get(firstNew).version()).as("the restored timeline continues from a checkpoint after "
                + "version 20").isGreaterThan(20);
        ModelVersion finalVersion = versions.stream().filter(ModelVersion::last).findFirst().orElseThrow();
        assertThat(finalVersion.generation()).isEqualTo(1);
        assertThat(finalVersion.rowsTrained()).isEqualTo(ROWS);

        // both gradient workers of the restored attempt follow the new generation
        Map<String, Object> generations = gaugeBySubtaskAttempt(REPORTER, job, "gradient-worker", "seed",
                GradientWorkerMetrics.GENERATION);
        Map<String, Object> restored = new HashMap<>();
        generations.forEach((k, v) -> {
            if (!k.endsWith("/0")) {
                restored.put(k.substring(0, k.indexOf('/')), v);
            }
        });
        assertThat(restored).as("worker generation gauges after the restore: " + generations)
                .containsOnlyKeys("0", "1").allSatisfy((k, v) -> assertThat(v).isEqualTo(1L));
    }

    private static int indexOfFirst(List<ModelVersion> versions, long generation) {
        for (int i = 0; i < versions.size(); i++) {
            if (versions.get(i).generation() == generation) {
                return i;
            }
        }
        return -1;
    }
}
