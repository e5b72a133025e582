package io.streamtrain.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.data.SeedData;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The job jar on a real standalone Flink cluster (a JobManager and a TaskManager, each its own
 * process, see {@link StandaloneFlinkCluster}), with an embedded Kafka broker and PostgreSQL:
 * uploaded and run through the REST API, stopped with a drained savepoint, resumed from it.
 *
 * <p>Blocks are cut only when full and windows applied only when complete (no timeouts), so what
 * is trained before the stop is known exactly: every full window of full blocks. The drain must
 * then flush the rest (a partial block in a parser, a block alone in the updater's window) into a
 * final snapshot with every row read; the resumed job must continue the same timeline (versions,
 * rows trained, optimizer steps, Kafka offsets) under the next generation, and not think its input
 * has already ended.
 */
class StandaloneClusterITCase extends ClusterJobTestBase {
    private static final int BATCH = 64;
    private static final int WINDOW = 2;
    /** 2 x 1,280 - 1 rows: partition 1 ends with a partial block, and the full blocks are odd in number. */
    private static final int FIRST_ROWS = 2 * 20 * BATCH - 1;
    private static final int SECOND_ROWS = 2 * 10 * BATCH - 1;
    private static final int HOLDOUT_ROWS = 500;
    private static final Duration TRAINING_TIMEOUT = Duration.ofMinutes(3);

    @Test
    void aDrainedStopWritesTheFinalSnapshotAndTheResumedJobContinuesItsTimeline() throws Exception {
        Path jar = jobJar();
        SeedData seed = new SeedData(42);
        SeedData holdout = SeedData.holdout(42);
        send("rows.holdout", LongStream.range(0, HOLDOUT_ROWS).mapToObj(holdout::csv).iterator(), 1);

        try (StandaloneFlinkCluster cluster = StandaloneFlinkCluster.start(dir.resolve("flink"), Map.of())) {
            try {
                String jarId = cluster.uploadJar(jar);
                List<String> args = args();

                // 1. an unbounded run: it trains what arrives and keeps running
                String first = cluster.runJar(jarId, ENTRY, args, null);
                cluster.awaitJobState(first, "RUNNING", Duration.ofMinutes(2));
                send("rows", LongStream.range(0, FIRST_ROWS).mapToObj(seed::csv).iterator(), PARTITIONS);
                long[] firstSplit = split(FIRST_ROWS);
                awaitRowsTrained(cluster, first, trainedBeforeDrain(firstSplit));
                assertThat(cluster.jobState(first)).as("an unbounded job runs on after its rows").isEqualTo("RUNNING");
                assertThat(finals()).isEmpty();

                // 2. stop with a drained savepoint: the partial block and the lone block in the window are trained
                String savepoint = cluster.stopWithDrainedSavepoint(first, TRAINING_TIMEOUT);
                cluster.awaitJobState(first, "FINISHED", Duration.ofMinutes(1));
                List<Snapshot> finals = finals();
                assertThat(finals).hasSize(1);
                Snapshot final1 = finals.get(0);
                assertThat(final1.rowsTrained()).as("rows trained at the drained stop").isEqualTo(FIRST_ROWS);
                assertThat(final1.generation()).isZero();
                assertThat(final1.optimizerStep()).as("one optimizer step per version").isEqualTo(final1.version());
                assertThat(final1.sourceOffsets()).isEqualTo("rows:0=" + firstSplit[0] + ",1=" + firstSplit[1]);
                assertThat(versions(0)).as("every version of the first run, snapshotted")
                        .isEqualTo(LongStream.rangeClosed(1, final1.version()).boxed().toList());

                // 3. more rows, then the same jar resumed from the savepoint
                send("rows", LongStream.range(FIRST_ROWS, FIRST_ROWS + SECOND_ROWS).mapToObj(seed::csv).iterator(),
                        PARTITIONS);
                long[] secondSplit = split(SECOND_ROWS);
                String second = cluster.runJar(jarId, ENTRY, args, savepoint);
                cluster.awaitJobState(second, "RUNNING", Duration.ofMinutes(2));
                awaitRowsTrained(cluster, second, FIRST_ROWS + trainedBeforeDrain(secondSplit));
                assertThat(finals()).as("the resumed job's input has not ended").hasSize(1);

                String savepoint2 = cluster.stopWithDrainedSavepoint(second, TRAINING_TIMEOUT);
                assertThat(savepoint2).isNotEqualTo(savepoint);
                cluster.awaitJobState(second, "FINISHED", Duration.ofMinutes(1));
                finals = finals();
                assertThat(finals).hasSize(2);
                Snapshot final2 = finals.get(1);
                assertThat(final2.rowsTrained()).as("every row of both runs, each once")
                        .isEqualTo(FIRST_ROWS + SECOND_ROWS);
                assertThat(final2.generation()).as("a restore starts the next generation").isEqualTo(1);
                assertThat(final2.optimizerStep()).as("the optimizer's steps continue").isEqualTo(final2.version());
                assertThat(final2.sourceOffsets()).as("the Kafka offsets continue").isEqualTo(
                        "rows:0=" + (firstSplit[0] + secondSplit[0]) + ",1=" + (firstSplit[1] + secondSplit[1]));
                assertThat(versions(1)).as("the resumed run's versions follow the final one")
                        .isEqualTo(LongStream.rangeClosed(final1.version() + 1, final2.version()).boxed().toList());
                assertThat(rowsTrainedByVersion()).as("rows trained never go back").isSorted();
                assertThat(holdoutScored(final2.version())).as("the final snapshot is scored on the held-out rows")
                        .isTrue();
            } catch (Throwable e) {
                System.err.println("StandaloneClusterITCase failed; the cluster's logs:" + cluster.logs());
                throw e;
            }
        }
    }

    private List<String> args() {
        Map<String, String> set = new LinkedHashMap<>();
        // blocks only when full, windows only when complete: what a drain must flush is known
        set.put("training.batch-size", Integer.toString(BATCH));
        set.put("training.batch-timeout", "0ms");
        set.put("training.window-blocks", Integer.toString(WINDOW));
        set.put("training.window-timeout", "0ms");
        set.put("training.max-in-flight", "2");
        set.put("job.name", "streamtrain-cluster-test");
        return args(set);
    }

    /** Rows per partition when {@code rows} are sent, row i to partition i mod 2. */
    private static long[] split(int rows) {
        return new long[] {(rows + 1) / 2, rows / 2};
    }

    /** Rows in complete windows of full blocks: trained before a stop, once every row is read. */
    private static long trainedBeforeDrain(long[] perPartition) {
        long blocks = 0;
        for (long n : perPartition) {
            blocks += n / BATCH;
        }
        return blocks / WINDOW * WINDOW * BATCH;
    }

    private void awaitRowsTrained(StandaloneFlinkCluster cluster, String job, long rows) throws Exception {
        StandaloneFlinkCluster.await(rows + " rows trained", TRAINING_TIMEOUT, () -> {
            if (cluster.jobState(job).equals("FAILED")) {
                throw new IllegalStateException("job failed: " + cluster.exceptions(job));
            }
            long trained;
            try {
                trained = db.count("SELECT COALESCE(MAX(rows_trained), 0) FROM " + db.prefix() + "model_snapshot");
            } catch (java.sql.SQLException e) {
                if ("42P01".equals(e.getSQLState())) {
                    return null; // the sink has not created its tables yet
                }
                throw e;
            }
            assertThat(trained).as("rows trained before the stop").isLessThanOrEqualTo(rows);
            return trained == rows ? trained : null;
        });
    }

    private record Snapshot(long generation, long version, long rowsTrained, long optimizerStep, String sourceOffsets) {}

    private List<Snapshot> finals() throws Exception {
        List<Snapshot> out = new ArrayList<>();
        try (Connection c = db.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT generation, version, rows_trained, optimizer_step, source_offsets "
                        + "FROM " + db.prefix() + "model_snapshot WHERE is_final ORDER BY version")) {
            while (rs.next()) {
                out.add(new Snapshot(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getString(5)));
            }
        }
        return out;
    }

    private List<Long> versions(long generation) throws Exception {
        return longs("SELECT version FROM " + db.prefix() + "model_snapshot WHERE generation = " + generation
                + " ORDER BY version");
    }

    private List<Long> rowsTrainedByVersion() throws Exception {
        return longs("SELECT rows_trained FROM " + db.prefix() + "model_snapshot ORDER BY version");
    }

    private boolean holdoutScored(long version) throws Exception {
        return db.count("SELECT COUNT(*) FROM " + db.prefix() + "model_snapshot WHERE version = " + version
                + " AND holdout_accuracy IS NOT NULL") == 1;
    }

    private List<Long> longs(String sql) throws Exception {
        List<Long> out = new ArrayList<>();
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
        }
        return out;
    }
}
