package io.streamtrain.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.streamtrain.data.SeedData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The TaskManager process of a real standalone Flink cluster (see {@link StandaloneFlinkCluster})
 * killed with SIGKILL, like {@code kill -9}, in the middle of the job jar's bounded run, and a new
 * one started: the job restores from its last completed checkpoint on the new TaskManager under the
 * restart strategy of {@code config/flink/config.yaml}, and ends with the same exact accounting as
 * a run without the failure: every valid row trained once, every bad row rejected once, the
 * held-out target met, under a new generation.
 *
 * <p>The process dies without a word to anyone: the JobManager learns of it from the heartbeats,
 * the snapshot sink's transaction in flight and the Kafka clients' connections are simply cut. The
 * kill comes once a checkpoint triggered after version {@value #KILL_AFTER_VERSION} was in the
 * snapshot table has completed, so the restored timeline starts at that version or later.
 */
class TaskManagerKillITCase extends ClusterJobTestBase {
    /** Valid seed rows: enough for the run to last well beyond the kill, and for the 0.99 target. */
    private static final int ROWS = 100_000;
    /** A bad row after every this many valid ones, so that bad rows are read before and after the kill. */
    private static final int GOOD_PER_BAD = 1_000;
    private static final int BAD_ROWS = ROWS / GOOD_PER_BAD;
    /** Rejected by the CSV parser: too few fields, not finite, a label out of range, not a number. */
    private static final List<byte[]> BAD = Stream.of("0.5,0.25", "0.5,NaN,1", "0.5,0.25,2", "x1,0.25,1")
            .map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
    private static final int HOLDOUT_ROWS = 2_000;
    private static final long KILL_AFTER_VERSION = 50;
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    @Test
    void aKilledTaskManagersJobRestoresOnANewOneAndTrainsEveryValidRowExactlyOnce() throws Exception {
        Path jar = jobJar();
        SeedData seed = new SeedData(42);
        SeedData holdout = SeedData.holdout(42);
        send("rows.holdout", LongStream.range(0, HOLDOUT_ROWS).mapToObj(holdout::csv).iterator(), 1);
        // a bounded run trains what the rows topic holds when it starts: every row is in before
        long sent = ROWS + BAD_ROWS;
        send("rows", LongStream.range(0, sent).mapToObj(i -> (i + 1) % (GOOD_PER_BAD + 1) == 0
                ? BAD.get((int) (i / (GOOD_PER_BAD + 1) % BAD.size()))
                : seed.csv(i - i / (GOOD_PER_BAD + 1))).iterator(), PARTITIONS);
        assertThat(kafka.endOffsetSum("rows")).as("rows in the rows topic").isEqualTo(sent);

        // heartbeats every second: the JobManager and ResourceManager notice the dead TaskManager
        // within a few seconds (failed heartbeat calls), not only after heartbeat.timeout; the REST
        // API's job and checkpoint statistics at most 500 ms old (3 s by default), so that the kill
        // follows the awaited checkpoint closely
        try (StandaloneFlinkCluster cluster = StandaloneFlinkCluster.start(dir.resolve("flink"),
                Map.of("heartbeat.interval", "1s", "web.refresh-interval", "500ms"))) {
            try {
                String jarId = cluster.uploadJar(jar);
                String job = cluster.runJar(jarId, ENTRY, args(), null);
                cluster.awaitJobState(job, "RUNNING", Duration.ofMinutes(2));

                // 1. mid-run: version N is in the snapshot table, then a checkpoint triggered later completes
                long versionSeenAt = awaitVersion(cluster, job, KILL_AFTER_VERSION);
                JsonNode checkpoint = StandaloneFlinkCluster.await("a checkpoint triggered after version "
                        + KILL_AFTER_VERSION + " was snapshotted", TIMEOUT, () -> {
                            failIfFailed(cluster, job);
                            JsonNode completed = checkpoints(cluster, job).path("latest").path("completed");
                            return completed.isObject() && completed.path("trigger_timestamp").asLong() > versionSeenAt
                                    ? completed : null;
                        });
                long checkpointId = checkpoint.path("id").asLong();
                long versionAtKill = maxVersion();
                assertThat(cluster.jobState(job)).as("the job's state at version %d, when the TaskManager is to be "
                        + "killed (it must not have ended: more rows, or an earlier kill)", versionAtKill)
                        .isEqualTo("RUNNING");
                assertThat(finals()).as("final snapshots at version %d, before the kill", versionAtKill).isEmpty();
                long restoresBefore = checkpoints(cluster, job).path("counts").path("restored").asLong(-1);
                assertThat(restoresBefore).as("restores before the kill (checkpoint statistics: %s)",
                        checkpoints(cluster, job).path("counts")).isZero();

                // 2. kill -9 the TaskManager's process, start a new one
                long killedAt = System.nanoTime();
                Process killed = cluster.killTaskManager();
                cluster.startTaskManager();
                assertThat(killed.exitValue()).as("exit status of the killed TaskManager process %d (128 + SIGKILL)",
                        killed.pid()).isEqualTo(137);

                // 3. the job restores from that checkpoint or a later one, and finishes
                JsonNode restored = StandaloneFlinkCluster.await("job " + job + " restored from a checkpoint",
                        TIMEOUT, () -> {
                            failIfFailed(cluster, job);
                            JsonNode statistics = checkpoints(cluster, job);
                            JsonNode r = statistics.path("latest").path("restored");
                            if (statistics.path("counts").path("restored").asLong() > restoresBefore && r.isObject()) {
                                return r;
                            }
                            if (cluster.jobState(job).equals("FINISHED")) {
                                throw new AssertionError("job " + job + " finished without a restore");
                            }
                            return null;
                        });
                long restoredAfter = Duration.ofNanos(System.nanoTime() - killedAt).toMillis();
                cluster.awaitJobState(job, "FINISHED", TIMEOUT);
                long finishedAfter = Duration.ofNanos(System.nanoTime() - killedAt).toMillis();
                assertThat(restored.path("id").asLong()).as("the checkpoint the job restored from (%s); checkpoint %d "
                        + "was triggered after version %d", restored, checkpointId, KILL_AFTER_VERSION)
                        .isGreaterThanOrEqualTo(checkpointId);
                assertThat(restored.path("is_savepoint").asBoolean()).as("restored from a savepoint: %s", restored)
                        .isFalse();

                // 4. the same exact accounting as without the failure
                List<Snapshot> finals = finals();
                assertThat(finals).as("final snapshots").hasSize(1);
                Snapshot last = finals.get(0);
                assertThat(last.rowsTrained()).as("rows trained in the final snapshot %s (valid rows sent: %d)", last,
                        ROWS).isEqualTo(ROWS);
                assertThat(last.rowsRejected()).as("rows rejected in the final snapshot %s (bad rows sent: %d)", last,
                        BAD_ROWS).isEqualTo(BAD_ROWS);
                assertThat(last.holdoutAccuracy()).as("held-out accuracy of the final snapshot %s on %d rows", last,
                        HOLDOUT_ROWS).isGreaterThanOrEqualTo(0.99);
                assertThat(last.generation()).as("generation of the final snapshot %s (a restore starts the next)",
                        last).isGreaterThanOrEqualTo(1);
                assertThat(last.version()).as("final version %s; killed at version %d", last, versionAtKill)
                        .isGreaterThan(versionAtKill);

                // the restored timeline replaced the lost one in the sink: every version once, in order
                List<Snapshot> timeline = timeline(last.version());
                assertThat(timeline).extracting(Snapshot::version).as("versions in the snapshot table up to the final one")
                        .isEqualTo(LongStream.rangeClosed(1, last.version()).boxed().toList());
                long firstRestored = timeline.stream().filter(s -> s.generation() > 0).mapToLong(Snapshot::version)
                        .min().orElse(-1);
                assertThat(firstRestored).as("first version after the restore (restored from checkpoint %d, taken "
                        + "after version %d)", restored.path("id").asLong(), KILL_AFTER_VERSION)
                        .isGreaterThan(KILL_AFTER_VERSION);
                assertThat(timeline).extracting(Snapshot::generation).as("generations by version").isSorted();
                assertThat(timeline).extracting(Snapshot::rowsTrained).as("rows trained by version").isSorted();

                System.out.printf("TaskManagerKillITCase: killed at version %d (checkpoint %d completed after version "
                                + "%d), restored from checkpoint %d %d ms after the kill, finished %d ms after it: %s%n",
                        versionAtKill, checkpointId, KILL_AFTER_VERSION, restored.path("id").asLong(), restoredAfter,
                        finishedAfter, last);
            } catch (Throwable e) {
                System.err.println("TaskManagerKillITCase failed; the cluster's logs:" + cluster.logs());
                throw e;
            }
        }
    }

    private List<String> args() {
        Map<String, String> set = new LinkedHashMap<>();
        set.put("job.bounded", "true");
        set.put("job.checkpoint-interval", "500ms");
        set.put("job.name", "streamtrain-taskmanager-kill-test");
        return args(set);
    }

    /** Waits until version {@code version} is in the snapshot table; returns the wall-clock time it was seen. */
    private long awaitVersion(StandaloneFlinkCluster cluster, String job, long version) throws Exception {
        return StandaloneFlinkCluster.await("version " + version + " in the snapshot table", TIMEOUT, () -> {
            failIfFailed(cluster, job);
            return maxVersion() >= version ? System.currentTimeMillis() : null;
        });
    }

    private static void failIfFailed(StandaloneFlinkCluster cluster, String job) {
        if (cluster.jobState(job).equals("FAILED")) {
            throw new IllegalStateException("job " + job + " failed: " + cluster.exceptions(job));
        }
    }

    /**
     * GET /jobs/:id/checkpoints: {@code counts} (completed, restored, ...) and {@code latest}
     * (completed, restored, ...); a missing node when the REST API does not answer.
     */
    private static JsonNode checkpoints(StandaloneFlinkCluster cluster, String job) {
        JsonNode checkpoints = cluster.get("/jobs/" + job + "/checkpoints");
        return checkpoints == null ? MissingNode.getInstance() : checkpoints;
    }

    private long maxVersion() throws SQLException {
        try {
            return db.count("SELECT COALESCE(MAX(version), 0) FROM " + db.prefix() + "model_snapshot");
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return 0; // the sink has not created its tables yet
            }
            throw e;
        }
    }

    private record Snapshot(long generation, long version, long rowsTrained, long rowsRejected,
            double holdoutAccuracy) {}

    private List<Snapshot> finals() throws SQLException {
        return snapshots("WHERE is_final");
    }

    private List<Snapshot> timeline(long lastVersion) throws SQLException {
        return snapshots("WHERE version <= " + lastVersion);
    }

    private List<Snapshot> snapshots(String where) throws SQLException {
        List<Snapshot> out = new ArrayList<>();
        try (Connection c = db.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT generation, version, rows_trained, rows_rejected, "
                        + "holdout_accuracy FROM " + db.prefix() + "model_snapshot " + where + " ORDER BY version")) {
            while (rs.next()) {
                double holdoutAccuracy = rs.getDouble(5);
                out.add(new Snapshot(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4),
                        rs.wasNull() ? Double.NaN : holdoutAccuracy));
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return out; // the sink has not created its tables yet
            }
            throw e;
        }
        return out;
    }
}
