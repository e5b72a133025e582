package io.streamtrain.connectors.jdbc;

import static io.streamtrain.connectors.jdbc.SnapshotDatabases.versions;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.connectors.jdbc.SnapshotDatabases.Db;
import io.streamtrain.connectors.record.ModelSnapshot;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a reader sees while snapshots are written: a version with all its cells or nothing of it
 * (never half), and after a restore's replay every version once, with the replay's values.
 */
class SnapshotVisibilityITCase extends SnapshotDatabaseTestBase {

    /** More cells than one JDBC batch, so a snapshot's cells go in several round trips. */
    private static final int[] SIZES = {3, 50, 40, 2};
    private static final int CELLS = (int) ModelSnapshot.parameterCount(SIZES);

    /** Every cell of version v (generation g) holds v + g / 10, so a mixed read shows. */
    private static ModelSnapshot snapshot(long version, long generation) {
        double[] p = new double[CELLS];
        Arrays.fill(p, version + generation / 10.0);
        return new ModelSnapshot("m", generation, version, false, version, 100 * version, 0, 0.5, 0.5, 0.5, 0.5, 0.5,
                0.5, 0.5, 0.1, 0, 0, 0, 0, "{}", SIZES, "h", "rows:0=" + version, p);
    }

    /**
     * Deterministic: while the writer's transaction is open (header upserted, every cell deleted and
     * inserted, retention done, not committed), another connection sees the previous state whole.
     */
    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql", "mariadb"})
    void anOpenSnapshotTransactionIsInvisible(String kind) throws Exception {
        Db db = db(kind);
        List<String> seen = new ArrayList<>();
        try (SnapshotWriter w = SnapshotWriter.open(db.url(), db.prefix(), 1)) {
            w.write(snapshot(1, 0));
            // a rewrite of version 1 and a new version 2 (which retires version 1's cells), both held open
            w.write(snapshot(1, 1), () -> seen.add(observe(db, "rewrite of v1")));
            w.write(snapshot(2, 1), () -> seen.add(observe(db, "new v2")));
        }
        assertThat(seen).containsExactly(
                "rewrite of v1: v1 " + CELLS + " cells of 1.0",
                "new v2: v1 " + CELLS + " cells of 1.1");
        assertThat(observe(db, "after")).isEqualTo("after: v1 retired, v2 " + CELLS + " cells of 2.1");
    }

    /** Cells per visible version, from one statement on a fresh connection; e.g. "v1 2322 cells of 1.0". */
    private static String observe(Db db, String label) {
        try (Connection c = db.connect()) {
            return label + ": " + String.join(", ", cellsPerVersion(c, db.prefix()));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> cellsPerVersion(Connection c, String prefix) throws SQLException {
        SnapshotTables t = SnapshotTables.of(prefix);
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT s.version, s.cells_retired, COUNT(p.value), MIN(p.value), "
                + "MAX(p.value) FROM " + t.snapshotTable() + " s LEFT JOIN " + t.parameterTable()
                + " p ON p.model = s.model AND p.version = s.version WHERE s.model = ? "
                + "GROUP BY s.version, s.cells_retired ORDER BY s.version");) {
            ps.setString(1, "m");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getBoolean(2)) {
                        out.add("v" + rs.getLong(1) + (rs.getLong(3) == 0 ? " retired" : " retired but " + rs.getLong(3) + " cells"));
                    } else {
                        double min = rs.getDouble(4);
                        double max = rs.getDouble(5);
                        out.add("v" + rs.getLong(1) + " " + rs.getLong(3) + " cells of " + (min == max ? min : min + ".." + max));
                    }
                }
            }
        }
        return out;
    }

    /**
     * A reader querying in a loop while a writer writes, rewrites and retires versions: every
     * version it sees has all its cells, of one write; it never sees a half-written one.
     */
    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql", "mariadb"})
    void aConcurrentReaderNeverSeesHalfAVersion(String kind) throws Exception {
        Db db = db(kind);
        int versions = 12;
        try (SnapshotWriter w = SnapshotWriter.open(db.url(), db.prefix(), 3)) {
            w.write(snapshot(1, 0));
        }
        AtomicBoolean writing = new AtomicBoolean(true);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (SnapshotWriter w = SnapshotWriter.open(db.url(), db.prefix(), 3)) {
                for (long v = 2; v <= versions; v++) {
                    w.write(snapshot(v, 0));
                    w.write(snapshot(v - 1, 1)); // a replay of the previous version, other values
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            } finally {
                writing.set(false);
            }
        });
        List<String> wrong = new ArrayList<>();
        int reads = 0;
        int readsWhileWriting = 0;
        try (Connection c = db.connect()) {
            do {
                boolean during = writing.get();
                for (String v : cellsPerVersion(c, db.prefix())) {
                    if (!v.endsWith(" retired") && !v.matches("v(\\d+) " + CELLS + " cells of \\1\\.[01]")) {
                        wrong.add(v);
                    }
                }
                // the reader's own two-statement read (headers, then cells) in one transaction
                for (ModelSnapshot s : SnapshotReader.all(db.url(), db.prefix(), "m")) {
                    if (s.parameters() != null && Arrays.stream(s.parameters()).distinct().count() != 1) {
                        wrong.add("read " + s.version() + " mixed");
                    }
                }
                reads++;
                if (during && writing.get()) {
                    readsWhileWriting++;
                }
            } while (writing.get());
        }
        writer.get(120, TimeUnit.SECONDS);
        assertThat(wrong).isEmpty();
        assertThat(reads).isPositive();
        System.out.println(kind + ": " + reads + " reads, " + readsWhileWriting + " of them wholly while writing");
        List<ModelSnapshot> all = SnapshotReader.all(db.url(), db.prefix(), "m");
        assertThat(versions(all)).hasSize(versions);
        assertThat(versions(all.stream().filter(s -> s.parameters() != null).toList()))
                .containsExactly(versions - 2L, versions - 1L, (long) versions);
    }

    /**
     * A restore replays the snapshots written since its checkpoint, from a new generation and a new
     * sink writer: they overwrite, header and cells, and nothing is duplicated.
     */
    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql", "mariadb"})
    void aReplayAfterARestoreOverwritesAndNeverDuplicates(String kind) throws Exception {
        Db db = db(kind);
        SnapshotSink sink = new SnapshotSink(db.url(), db.prefix(), Retention.KEEP_ALL);
        try (SinkWriter<ModelSnapshot> before = sink.createWriter(null)) {
            for (long v = 1; v <= 5; v++) {
                before.write(snapshot(v, 0), null);
            }
        }
        // the job restored from a checkpoint taken after version 2: versions 3..7, generation 1
        try (SinkWriter<ModelSnapshot> after = sink.createWriter(null)) {
            for (long v = 3; v <= 7; v++) {
                after.write(snapshot(v, 1), null);
            }
        }
        List<ModelSnapshot> all = SnapshotReader.all(db.url(), db.prefix(), "m");
        assertThat(versions(all)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
        assertThat(all).extracting(ModelSnapshot::generation).containsExactly(0L, 0L, 1L, 1L, 1L, 1L, 1L);
        assertThat(all).allSatisfy(s -> assertThat(s.parameters()).containsOnly(s.version() + s.generation() / 10.0));
        SnapshotTables t = SnapshotTables.of(db.prefix());
        assertThat(db.count("SELECT COUNT(*) FROM " + t.snapshotTable())).isEqualTo(7);
        assertThat(db.count("SELECT COUNT(*) FROM " + t.parameterTable())).isEqualTo(7L * CELLS);
        try (Connection c = db.connect()) {
            assertThat(cellsPerVersion(c, db.prefix())).containsExactly(
                    "v1 " + CELLS + " cells of 1.0", "v2 " + CELLS + " cells of 2.0", "v3 " + CELLS + " cells of 3.1",
                    "v4 " + CELLS + " cells of 4.1", "v5 " + CELLS + " cells of 5.1", "v6 " + CELLS + " cells of 6.1",
                    "v7 " + CELLS + " cells of 7.1");
        }
    }
}
