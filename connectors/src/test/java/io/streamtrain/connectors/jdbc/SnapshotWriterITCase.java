package io.streamtrain.connectors.jdbc;

import static io.streamtrain.connectors.jdbc.SnapshotDatabases.LAYERS_222;
import static io.streamtrain.connectors.jdbc.SnapshotDatabases.parameters222;
import static io.streamtrain.connectors.jdbc.SnapshotDatabases.snapshot;
import static io.streamtrain.connectors.jdbc.SnapshotDatabases.versions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.connectors.jdbc.SnapshotDatabases.Db;
import io.streamtrain.connectors.record.ModelSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SnapshotWriterITCase extends SnapshotDatabaseTestBase {

    /** Every field, NaN metrics and awkward parameter values. */
    private static ModelSnapshot fullSnapshot(String model, long version) {
        double[] p = {1.5, -0.25, 1e-300, 1e300, 0.1, Math.PI, Double.NaN, -7.0, 123456.789e-5, -1e-17, 2, 0.3};
        double[] state = new double[24];
        for (int k = 0; k < state.length; k++) {
            state[k] = Math.scalb(1.0 + k, -k) - 1e-3 * k;
        }
        return new ModelSnapshot(model, 4, version, true, 1_723_456_789_012L, 987_654_321L, 17,
                0.693147180559945, 0.5123, Double.NaN, Double.NaN, 0.875, 0.9375, Double.NaN, 3e-4, 2.25, 9, 3, 1,
                "{\"layers\":[2,2,2],\"activation\":\"relu\",\"name\":\"ü-ß-✓\"}", LAYERS_222,
                "sha256:0123abcd", "{\"rows\":{\"0\":12,\"1\":34}}", p, 42, "parent.model", 3, "adam", state);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql", "mariadb"})
    void roundTripsEveryField(String kind) throws Exception {
        Db db = db(kind);
        ModelSnapshot s = fullSnapshot("model-ü", 7);
        try (SnapshotWriter w = SnapshotWriter.open(db.url(), db.prefix(), 0)) {
            w.write(s);
        }
        Optional<ModelSnapshot> back = SnapshotReader.latest(db.url(), db.prefix(), "model-ü");
        assertThat(back).isPresent();
        assertThat(back.get()).isEqualTo(s);
        assertThat(back.get().parameters()).containsExactly(s.parameters());
        assertThat(back.get().holdoutLoss()).isNaN();
        assertThat(back.get().layerSizes()).containsExactly(2, 2, 2);

        // NaN is NULL in SQL, and the layout matches (layer, tensor, i, j).
        String snap = SnapshotTables.of(db.prefix()).snapshotTable();
        String param = SnapshotTables.of(db.prefix()).parameterTable();
        assertThat(db.count("SELECT COUNT(*) FROM " + snap + " WHERE holdout_loss IS NULL AND holdout_accuracy IS NULL"
                + " AND prequential_loss IS NOT NULL")).isEqualTo(1);
        assertThat(db.count("SELECT COUNT(*) FROM " + param + " WHERE value IS NULL")).isEqualTo(1);
        try (Connection c = db.connect();
                PreparedStatement ps = c.prepareStatement("SELECT layer, tensor, i, j, value FROM " + param
                        + " ORDER BY layer, tensor, i, j")) {
            List<String> cells = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    double v = rs.getDouble(5);
                    String value = rs.wasNull() ? "null" : Double.toString(v);
                    cells.add(rs.getInt(1) + rs.getString(2).trim() + rs.getInt(3) + rs.getInt(4) + "=" + value);
                }
            }
            // W1 = p[0..3] row-major, b1 = p[4..5], W2 = p[6..9], b2 = p[10..11]. (Whether 'W' sorts
            // before 'b' depends on the database's collation, hence in any order.)
            assertThat(cells).containsExactlyInAnyOrder(
                    "1W00=1.5", "1W01=-0.25", "1W10=1.0E-300", "1W11=1.0E300", "1b00=0.1", "1b01=3.141592653589793",
                    "2W00=null", "2W01=-7.0", "2W10=1.23456789", "2W11=-1.0E-17", "2b00=2.0", "2b01=0.3");
        }
        assertThat(SnapshotReader.models(db.url(), db.prefix())).containsExactly("model-ü");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql", "mariadb"})
    void rewritingAVersionReplacesItIdempotently(String kind) throws Exception {
        Db db = db(kind);
        ModelSnapshot first = snapshot("m", 3, false, 0.5, 0.4, parameters222(1));
        ModelSnapshot second = snapshot("m", 3, true, 0.9, 0.8, parameters222(100));
        try (SnapshotWriter w = SnapshotWriter.open(db.url(), db.prefix(), 0)) {
            w.write(first);
            w.write(second);
            w.write(second); // a replay
        }
        SnapshotTables t = SnapshotTables.of(db.prefix());
        assertThat(db.count("SELECT COUNT(*) FROM " + t.snapshotTable())).isEqualTo(1);
        assertThat(db.count("SELECT COUNT(*) FROM " + t.parameterTable())).isEqualTo(12);
        assertThat(SnapshotReader.all(db.url(), db.prefix(), "m")).containsExactly(second);
        // Reopening (DDL again on existing tables) and writing again is fine too.
        try (SnapshotWriter w = SnapshotWriter.open(db.url(), db.prefix(), 0)) {
            w.write(first);
        }
        assertThat(SnapshotReader.latest(db.url(), db.prefix(), "m")).contains(first);
        assertThat(db.count("SELECT COUNT(*) FROM " + t.parameterTable())).isEqualTo(12);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql", "mariadb"})
    void historyReadsEveryVersionsHeaderWithoutParameters(String kind) throws Exception {
        Db db = db(kind);
        try (SnapshotWriter w = SnapshotWriter.open(db.url(), db.prefix(), 0)) {
            for (long v = 3; v >= 1; v--) {
                w.write(snapshot("m", v, v == 3, 0.8, 0.7, parameters222(v)));
            }
            w.write(snapshot("other", 9));
        }
        List<ModelSnapshot> history = SnapshotReader.history(db.url(), db.prefix(), "m");
        assertThat(history).containsExactlyElementsOf(SnapshotReader.all(db.url(), db.prefix(), "m").stream()
                .map(s -> s.withParameters(null)).toList());
        assertThat(versions(history)).containsExactly(1L, 2L, 3L);
        assertThat(history).allSatisfy(s -> assertThat(s.parameters()).isNull());
        assertThat(SnapshotReader.history(db.url(), db.prefix(), "none")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql", "mariadb"})
    void retentionKeepsTheNewestVersionsCellsAndFinalOnesAndEveryHeader(String kind) throws Exception {
        Db db = db(kind);
        try (SnapshotWriter w = SnapshotWriter.open(db.url(), db.prefix(), 2)) {
            for (long v = 1; v <= 5; v++) {
                w.write(snapshot("m", v, v == 3, 0.8, 0.7, parameters222(v)));
                w.write(snapshot("other", v)); // another model is retired on its own
            }
        }
        List<ModelSnapshot> kept = SnapshotReader.all(db.url(), db.prefix(), "m");
        assertThat(versions(kept)).containsExactly(1L, 2L, 3L, 4L, 5L); // headers are kept
        assertThat(withCells(kept)).containsExactly(3L, 4L, 5L);
        assertThat(kept.get(2).last()).isTrue();
        assertThat(kept.get(2).parameters()).containsExactly(parameters222(3));
        assertThat(kept.get(0).rowsTrained()).isEqualTo(1000); // metrics of retired versions stay
        assertThat(withCells(SnapshotReader.all(db.url(), db.prefix(), "other"))).containsExactly(4L, 5L);
        SnapshotTables t = SnapshotTables.of(db.prefix());
        assertThat(db.count("SELECT COUNT(*) FROM " + t.parameterTable())).isEqualTo(12 * 5);
        assertThat(db.count("SELECT COUNT(*) FROM " + t.parameterTable() + " WHERE model = 'm' AND version < 3"))
                .isZero();
        assertThat(db.count("SELECT COUNT(*) FROM " + t.snapshotTable() + " WHERE cells_retired = "
                + db.dialect().booleanLiteral(true))).isEqualTo(2 + 3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql", "mariadb"})
    void retentionAlsoKeepsEveryMthVersionsCells(String kind) throws Exception {
        Db db = db(kind);
        double[] state = new double[24]; // two slots, as Adam's
        java.util.Arrays.fill(state, 0.25);
        try (SnapshotWriter w = SnapshotWriter.open(db.url(), db.prefix(), new Retention(2, 3))) {
            for (long v = 1; v <= 10; v++) {
                w.write(snapshot("m", v).withOptimizerState("adam", state));
            }
        }
        List<ModelSnapshot> all = SnapshotReader.all(db.url(), db.prefix(), "m");
        assertThat(versions(all)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
        assertThat(withCells(all)).containsExactly(3L, 6L, 9L, 10L);
        assertThat(all).allSatisfy(s -> assertThat(s.optimizerState() == null).isEqualTo(s.parameters() == null));
        SnapshotTables t = SnapshotTables.of(db.prefix());
        assertThat(db.count("SELECT COUNT(*) FROM " + t.optimizerStateTable())).isEqualTo(4);
    }

    static List<Long> withCells(List<ModelSnapshot> snapshots) {
        return versions(snapshots.stream().filter(s -> s.parameters() != null).toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql", "mariadb"})
    void viewsShowTheLatestVersionPerModelRanked(String kind) throws Exception {
        Db db = db(kind);
        try (SnapshotWriter w = SnapshotWriter.open(db.url(), db.prefix(), 0)) {
            w.write(snapshot("alpha", 1, false, 0.95, 0.90, parameters222(1))); // superseded by v2
            w.write(snapshot("alpha", 2, false, 0.70, 0.60, parameters222(2)));
            w.write(snapshot("beta", 5, false, 0.80, 0.50, parameters222(5)));
            w.write(snapshot("gamma", 1, false, 0.80, 0.75, parameters222(1))); // ties beta on holdout
            w.write(snapshot("delta", 9, true, Double.NaN, 0.99, parameters222(9))); // no holdout: last
        }
        SnapshotTables t = SnapshotTables.of(db.prefix());
        List<String> latest = new ArrayList<>();
        List<String> board = new ArrayList<>();
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT model, version FROM " + t.latestView() + " ORDER BY model")) {
                while (rs.next()) {
                    latest.add(rs.getString(1) + "@" + rs.getLong(2));
                }
            }
            try (ResultSet rs = st.executeQuery(
                    "SELECT leaderboard_rank, model, version, is_final FROM " + t.leaderboardView())) {
                while (rs.next()) {
                    board.add(rs.getLong(1) + ":" + rs.getString(2) + "@" + rs.getLong(3) + (rs.getBoolean(4) ? "!" : ""));
                }
            }
        }
        assertThat(latest).containsExactly("alpha@2", "beta@5", "delta@9", "gamma@1");
        assertThat(board).containsExactly("1:gamma@1", "2:beta@5", "3:alpha@2", "4:delta@9!");
        assertThat(SnapshotReader.models(db.url(), db.prefix())).containsExactly("alpha", "beta", "delta", "gamma");
    }

    /** More cells than one JDBC batch holds, and a deeper network: the layout still round-trips. */
    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql", "mariadb"})
    void largerModelsSpanSeveralBatches(String kind) throws Exception {
        Db db = db(kind);
        int[] sizes = {3, 50, 40, 2};
        double[] p = new double[(int) ModelSnapshot.parameterCount(sizes)];
        assertThat(p.length).isGreaterThan(SnapshotWriter.BATCH_SIZE);
        for (int k = 0; k < p.length; k++) {
            p[k] = Math.sin(k) * Math.pow(10, k % 7 - 3);
        }
        ModelSnapshot s = new ModelSnapshot("deep", 2, 11, false, 5, 6, 7, 0.1, 0.2, 0.3, 0.4, 0.41, 0.42, 0.43, 0.5, 0.6, 8,
                12, 13, "{}",
                sizes, "h", "o", p);
        try (SnapshotWriter w = SnapshotWriter.open(db.url(), db.prefix(), 1)) {
            w.write(s);
            w.write(s);
        }
        assertThat(SnapshotReader.all(db.url(), db.prefix(), "deep")).containsExactly(s);
        SnapshotTables t = SnapshotTables.of(db.prefix());
        assertThat(db.count("SELECT COUNT(*) FROM " + t.parameterTable())).isEqualTo(p.length);
        // W2[i][j] (layer 2: 50 x 40) sits at offset(W1 + b1) + i * 40 + j.
        int w2 = 3 * 50 + 50;
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("SELECT value FROM "
                + t.parameterTable() + " WHERE model = 'deep' AND layer = 2 AND tensor = 'W' AND i = 7 AND j = 13")) {
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getDouble(1)).isEqualTo(p[w2 + 7 * 40 + 13]);
            }
        }
    }

    /** Adam's state of a 784-128-10 network: two slots of 101,770 values, more than one chunk. */
    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql", "mariadb"})
    void optimizerStateSpansSeveralChunks(String kind) throws Exception {
        Db db = db(kind);
        int[] sizes = {784, 128, 10};
        double[] p = new double[(int) ModelSnapshot.parameterCount(sizes)];
        double[] state = new double[2 * p.length];
        assertThat(state.length).isGreaterThan(SnapshotTables.OPTIMIZER_CHUNK_VALUES);
        java.util.Random random = new java.util.Random(3);
        for (int k = 0; k < state.length; k++) {
            state[k] = random.nextGaussian() * Math.pow(10, k % 9 - 6);
        }
        ModelSnapshot s = new ModelSnapshot("mnist", 0, 7, false, 5, 6, 7, 0.1, 0.2, 0.3, 0.4, 0.41, 0.42, 0.43, 0.5, 0.6,
                8, 12, 13, "{}", sizes, "h", "o", p, 7, null, -1, "adam", state);
        try (SnapshotWriter w = SnapshotWriter.open(db.url(), db.prefix(), 0)) {
            w.write(s);
        }
        ModelSnapshot back = SnapshotReader.latest(db.url(), db.prefix(), "mnist").orElseThrow();
        assertThat(back.optimizer()).isEqualTo("adam");
        assertThat(back.optimizerState()).isEqualTo(state); // (containsExactly is quadratic on 200k values)
        SnapshotTables t = SnapshotTables.of(db.prefix());
        assertThat(db.count("SELECT COUNT(*) FROM " + t.optimizerStateTable())).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql", "mariadb"})
    void modelNamesAreCaseSensitive(String kind) throws Exception {
        Db db = db(kind);
        try (SnapshotWriter w = SnapshotWriter.open(db.url(), db.prefix(), 0)) {
            w.write(snapshot("Model", 1, false, 0.1, 0.1, parameters222(1)));
            w.write(snapshot("model", 1, false, 0.2, 0.2, parameters222(2)));
        }
        assertThat(SnapshotReader.latest(db.url(), db.prefix(), "Model").orElseThrow().parameters())
                .containsExactly(parameters222(1));
        assertThat(SnapshotReader.latest(db.url(), db.prefix(), "model").orElseThrow().parameters())
                .containsExactly(parameters222(2));
        assertThat(SnapshotReader.models(db.url(), db.prefix())).containsExactlyInAnyOrder("Model", "model");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql", "mariadb"})
    void readingWhatIsNotThereIsEmpty(String kind) throws Exception {
        Db db = db(kind);
        assertThat(SnapshotReader.latest(db.url(), db.prefix(), "m")).isEmpty(); // no tables yet
        assertThat(SnapshotReader.all(db.url(), db.prefix(), "m")).isEmpty();
        assertThat(SnapshotReader.models(db.url(), db.prefix())).isEmpty();
        try (SnapshotWriter w = SnapshotWriter.open(db.url(), db.prefix(), 0)) {
            w.write(snapshot("m", 1));
        }
        assertThat(SnapshotReader.latest(db.url(), db.prefix(), "nope")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql", "mariadb"})
    void failedWriteRollsBackAndWriterStaysUsable(String kind) throws Exception {
        Db db = db(kind);
        SnapshotTables t = SnapshotTables.of(db.prefix());
        try (SnapshotWriter w = SnapshotWriter.open(db.url(), db.prefix(), 0)) {
            w.write(snapshot("m", 1));
            // A parameter count that does not fit the layers is refused before touching the database.
            ModelSnapshot bad = snapshot("m", 2, false, 0.1, 0.1, new double[11]);
            assertThatThrownBy(() -> w.write(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("11 parameters").hasMessageContaining("need 12");
            // A failure inside the transaction (here: the parameter table is gone) rolls the header back.
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                st.execute("ALTER TABLE " + t.parameterTable() + " RENAME TO " + db.prefix() + "moved");
                if (!c.getAutoCommit()) {
                    c.commit();
                }
            }
            assertThatThrownBy(() -> w.write(snapshot("m", 2))).isInstanceOf(SQLException.class);
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                st.execute("ALTER TABLE " + db.prefix() + "moved RENAME TO " + t.parameterTable());
                if (!c.getAutoCommit()) {
                    c.commit();
                }
            }
            assertThat(versions(SnapshotReader.all(db.url(), db.prefix(), "m"))).containsExactly(1L);
            w.write(snapshot("m", 2));
        }
        assertThat(versions(SnapshotReader.all(db.url(), db.prefix(), "m"))).containsExactly(1L, 2L);
    }

    /** Parallel sink subtasks: several writers on the same tables at once, each its own models. */
    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql", "mariadb"})
    void concurrentWritersDoNotBlockEachOther(String kind) throws Exception {
        Db db = db(kind);
        int writers = 3;
        int versionsEach = 8;
        // All open (and run the DDL) at once, then write interleaved.
        List<SnapshotWriter> open = new ArrayList<>();
        try {
            List<java.util.concurrent.Future<SnapshotWriter>> opening = new ArrayList<>();
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
            try {
                for (int k = 0; k < writers; k++) {
                    opening.add(pool.submit(() -> SnapshotWriter.open(db.url(), db.prefix(), 3)));
                }
                for (var f : opening) {
                    open.add(f.get(60, java.util.concurrent.TimeUnit.SECONDS));
                }
                List<java.util.concurrent.Future<?>> writing = new ArrayList<>();
                for (int k = 0; k < writers; k++) {
                    SnapshotWriter w = open.get(k);
                    String model = "m" + k;
                    writing.add(pool.submit(() -> {
                        for (long v = 1; v <= versionsEach; v++) {
                            w.write(snapshot(model, v));
                        }
                        return null;
                    }));
                }
                for (var f : writing) {
                    f.get(60, java.util.concurrent.TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
        } finally {
            for (SnapshotWriter w : open) {
                w.close();
            }
        }
        for (int k = 0; k < writers; k++) {
            assertThat(withCells(SnapshotReader.all(db.url(), db.prefix(), "m" + k))).containsExactly(6L, 7L, 8L);
        }
    }

    @Test
    void invalidPrefixIsRejectedNamingTheConfigKey() {
        String url = "jdbc:sqlite:" + tempDir.resolve("x.db");
        for (String bad : new String[] {"1abc", "a-b", "drop table;", "a b", "x".repeat(42), "ü_"}) {
            assertThatThrownBy(() -> SnapshotWriter.open(url, bad, 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("sink.table-prefix");
        }
        assertThat(Files.exists(tempDir.resolve("x.db"))).isFalse();
        assertThat(SnapshotTables.validatePrefix("st_" + "x".repeat(38))).hasSize(41);
        assertThat(SnapshotTables.validatePrefix("")).isEmpty();
        assertThatThrownBy(() -> SnapshotWriter.open(url, "ok_", -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void emptyPrefixWorks() throws Exception {
        String url = "jdbc:sqlite:" + tempDir.resolve("plain.db");
        try (SnapshotWriter w = SnapshotWriter.open(url, "", 0)) {
            w.write(snapshot("m", 1));
        }
        try (Connection c = JdbcUrls.connect(url, SnapshotDialect.SQLITE, false);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM model_snapshot")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(1);
        }
    }

    @Test
    void sqliteCreatesParentDirectoriesAndUsesWal() throws Exception {
        Path file = tempDir.resolve("deep/er/snap.db");
        String url = "jdbc:sqlite:" + file;
        try (SnapshotWriter w = SnapshotWriter.open(url, "st_", 0)) {
            w.write(snapshot("m", 1));
        }
        assertThat(file).exists();
        try (Connection c = JdbcUrls.connect(url, SnapshotDialect.SQLITE, false);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
        }
    }

    @Test
    void sqliteReaderDoesNotCreateAMissingFile() throws Exception {
        Path file = tempDir.resolve("absent/none.db");
        assertThat(SnapshotReader.latest("jdbc:sqlite:" + file, "st_", "m")).isEmpty();
        assertThat(SnapshotReader.models("jdbc:sqlite:" + file, "st_")).isEmpty();
        assertThat(file.getParent()).doesNotExist();
    }

    /**
     * WAL: while a write transaction is open (and big enough to spill pages to disk, which in the
     * rollback-journal mode would need an exclusive lock), a fresh connection can still read.
     */
    @Test
    void sqliteReadersAreNotBlockedByAnOpenWriteTransaction() throws Exception {
        Path file = tempDir.resolve("wal.db");
        String url = "jdbc:sqlite:" + file;
        SnapshotTables t = SnapshotTables.of("st_");
        try (SnapshotWriter w = SnapshotWriter.open(url, t.prefix(), 0)) {
            w.write(snapshot("m", 1));
        }
        try (Connection writer = java.sql.DriverManager.getConnection(url)) {
            try (Statement st = writer.createStatement()) {
                st.execute("PRAGMA cache_size=10"); // force spilling dirty pages mid-transaction
            }
            writer.setAutoCommit(false);
            try (PreparedStatement ps = writer.prepareStatement("INSERT INTO " + t.parameterTable()
                    + " (model, version, layer, tensor, i, j, value) VALUES ('big', 1, 1, 'W', ?, ?, ?)")) {
                for (int i = 0; i < 200; i++) {
                    for (int j = 0; j < 100; j++) {
                        ps.setInt(1, i);
                        ps.setInt(2, j);
                        ps.setDouble(3, i * 1000.0 + j);
                        ps.addBatch();
                    }
                }
                ps.executeBatch();
            }
            try (Statement st = writer.createStatement()) {
                st.executeUpdate("UPDATE " + t.snapshotTable() + " SET rows_trained = -1");
            }
            // Transaction still open. A fresh connection, without any busy wait, reads the committed state.
            long start = System.nanoTime();
            try (Connection reader = java.sql.DriverManager.getConnection(url);
                    Statement st = reader.createStatement()) {
                st.execute("PRAGMA busy_timeout=0");
                try (ResultSet rs = st.executeQuery("SELECT COUNT(*), MAX(rows_trained) FROM " + t.snapshotTable())) {
                    rs.next();
                    assertThat(rs.getLong(1)).isEqualTo(1);
                    assertThat(rs.getLong(2)).isEqualTo(1000);
                }
                try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + t.parameterTable())) {
                    rs.next();
                    assertThat(rs.getLong(1)).isEqualTo(12);
                }
            }
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2_000);
            assertThat(SnapshotReader.latest(url, t.prefix(), "m")).map(ModelSnapshot::rowsTrained).contains(1000L);
            writer.rollback();
        }
    }

    /** Infinity round-trips where the database has it; MariaDB has none and stores NULL (read: NaN). */
    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql", "mariadb"})
    void infinityIsKeptWhereTheDatabaseCanStoreIt(String kind) throws Exception {
        Db db = db(kind);
        double[] p = parameters222(0);
        p[0] = Double.POSITIVE_INFINITY;
        p[1] = Double.NEGATIVE_INFINITY;
        p[2] = Double.MIN_VALUE;
        p[3] = Double.MAX_VALUE;
        ModelSnapshot s = snapshot("m", 1, false, 0.5, 0.5, p);
        ModelSnapshot inf = new ModelSnapshot("inf", 1, 1, false, 1, 1, 0, Double.POSITIVE_INFINITY, 0.5, 1, 0.5,
                Double.NaN, Double.NaN, Double.NaN, 0.1, 0, 0, 0, 0, null, LAYERS_222, null, null, parameters222(0));
        try (SnapshotWriter w = SnapshotWriter.open(db.url(), db.prefix(), 0)) {
            w.write(s);
            w.write(inf);
        }
        ModelSnapshot back = SnapshotReader.latest(db.url(), db.prefix(), "m").orElseThrow();
        ModelSnapshot infBack = SnapshotReader.latest(db.url(), db.prefix(), "inf").orElseThrow();
        if (kind.equals("mariadb")) {
            assertThat(back.parameters()[0]).isNaN();
            assertThat(back.parameters()[1]).isNaN();
            assertThat(java.util.Arrays.copyOfRange(back.parameters(), 2, 12))
                    .containsExactly(java.util.Arrays.copyOfRange(p, 2, 12));
            assertThat(infBack.prequentialLoss()).isNaN();
            assertThat(infBack.architectureJson()).isNull();
        } else {
            assertThat(back).isEqualTo(s);
            assertThat(infBack).isEqualTo(inf);
        }
    }
}
