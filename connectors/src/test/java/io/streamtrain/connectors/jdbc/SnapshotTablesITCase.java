package io.streamtrain.connectors.jdbc;

import static io.streamtrain.connectors.jdbc.SnapshotDatabases.snapshot;
import static io.streamtrain.connectors.jdbc.SnapshotDatabases.versions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.connectors.jdbc.SnapshotDatabases.Db;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.connectors.record.NetworkSpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The DDL on the three databases: idempotent, upgrades older tables, and no way to inject SQL. */
class SnapshotTablesITCase extends SnapshotDatabaseTestBase {

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql", "mariadb"})
    void creatingTwiceChangesNothingAndEveryColumnIsThere(String kind) throws Exception {
        Db db = db(kind);
        SnapshotTables t = SnapshotTables.of(db.prefix());
        try (Connection c = db.connect()) {
            t.create(c, db.dialect());
            t.create(c, db.dialect());
            assertThat(SnapshotTables.columns(c, t.snapshotTable())).containsExactlyElementsOf(SnapshotTables.SNAPSHOT_COLUMNS);
            assertThat(SnapshotTables.columns(c, t.latestView())).containsExactlyElementsOf(SnapshotTables.SNAPSHOT_COLUMNS);
            assertThat(SnapshotTables.columns(c, t.leaderboardView())).first().isEqualTo("leaderboard_rank");
            assertThat(SnapshotTables.columns(c, t.parameterTable()))
                    .containsExactly("model", "version", "layer", "tensor", "i", "j", "value");
            assertThat(SnapshotTables.columns(c, t.optimizerStateTable()))
                    .containsExactly("model", "version", "chunk", "optimizer", "state");
        }
        try (SnapshotWriter w = SnapshotWriter.open(db.url(), db.prefix(), 0)) {
            w.write(snapshot("m", 1));
        }
        try (SnapshotWriter w = SnapshotWriter.open(db.url(), db.prefix(), 0)) {
            w.write(snapshot("m", 2));
        }
        assertThat(versions(SnapshotReader.all(db.url(), db.prefix(), "m"))).containsExactly(1L, 2L);
    }

    /**
     * Tables as an earlier streamtrain wrote them (no held-out precision/recall/F1, dropped and
     * refused counts, optimizer step, lineage or retention flag; no optimizer state table; views
     * over the old columns): opening a writer adds the columns and recreates the views, old rows
     * read back with the new columns unknown.
     */
    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql", "mariadb"})
    void tablesOfAnOlderVersionAreUpgraded(String kind) throws Exception {
        Db db = db(kind);
        SnapshotDialect d = db.dialect();
        SnapshotTables t = SnapshotTables.of(db.prefix());
        List<String> oldColumns = List.of("model", "version", "generation", "is_final", "created_at", "rows_trained",
                "rows_rejected", "prequential_loss", "prequential_accuracy", "holdout_loss", "holdout_accuracy",
                "learning_rate", "staleness_mean", "staleness_max", "architecture", "layer_sizes", "config_hash",
                "source_offsets");
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(true);
            st.execute("CREATE TABLE " + t.snapshotTable() + " (model " + d.keyTextType() + " NOT NULL, version BIGINT NOT NULL, "
                    + "generation BIGINT NOT NULL, is_final " + d.booleanType() + " NOT NULL, created_at BIGINT NOT NULL, "
                    + "rows_trained BIGINT NOT NULL, rows_rejected BIGINT NOT NULL, prequential_loss " + d.doubleType()
                    + ", prequential_accuracy " + d.doubleType() + ", holdout_loss " + d.doubleType()
                    + ", holdout_accuracy " + d.doubleType() + ", learning_rate " + d.doubleType() + ", staleness_mean "
                    + d.doubleType() + ", staleness_max BIGINT NOT NULL, architecture " + d.textType() + ", layer_sizes "
                    + d.textType() + ", config_hash " + d.textType() + ", source_offsets " + d.textType()
                    + ", PRIMARY KEY (model, version))" + d.tableOptions());
            st.execute(t.tableDdl(d).get(1)); // the parameter table is unchanged
            st.execute("CREATE VIEW " + t.latestView() + " AS SELECT " + String.join(", ", oldColumns) + " FROM "
                    + t.snapshotTable() + " s WHERE s.version = (SELECT MAX(m.version) FROM " + t.snapshotTable()
                    + " m WHERE m.model = s.model)");
            st.execute("INSERT INTO " + t.snapshotTable() + " (" + String.join(", ", oldColumns) + ") VALUES ('old', 1, 0, "
                    + d.booleanLiteral(false) + ", 5, 640, 2, 0.5, 0.75, NULL, NULL, 0.1, 0.5, 1, "
                    + "'{\"layers\":[2,2,2],\"hidden\":\"relu\",\"output\":\"softmax\",\"loss\":\"cross-entropy\"}', "
                    + "'2,2,2', 'abc', 'rows:0=320,1=320')");
            double[] p = SnapshotDatabases.parameters222(1);
            int k = 0;
            for (String cell : new String[] {"1,'W',0,0", "1,'W',0,1", "1,'W',1,0", "1,'W',1,1", "1,'b',0,0", "1,'b',0,1",
                    "2,'W',0,0", "2,'W',0,1", "2,'W',1,0", "2,'W',1,1", "2,'b',0,0", "2,'b',0,1"}) {
                st.execute("INSERT INTO " + t.parameterTable() + " VALUES ('old', 1, " + cell + ", " + p[k++] + ")");
            }
        }
        // a reader does not change the schema: it says what to do
        assertThatThrownBy(() -> SnapshotReader.latest(db.url(), db.prefix(), "old")).isInstanceOf(SQLException.class)
                .hasMessageContaining("the table " + t.snapshotTable() + " was written by an older streamtrain")
                .hasMessageContaining("holdout_precision").hasMessageContaining("upgrade it by running a job");
        try (SnapshotWriter w = SnapshotWriter.open(db.url(), db.prefix(), 0)) {
            w.write(snapshot("new", 1));
        }
        ModelSnapshot old = SnapshotReader.latest(db.url(), db.prefix(), "old").orElseThrow();
        assertThat(old.rowsTrained()).isEqualTo(640);
        assertThat(old.parameters()).containsExactly(SnapshotDatabases.parameters222(1));
        assertThat(old.holdoutF1()).isNaN();
        assertThat(old.blocksDropped()).isZero();
        assertThat(old.optimizerStep()).isEqualTo(-1);
        assertThat(old.parentModel()).isNull();
        assertThat(NetworkSpec.fromJson(old.architectureJson()).features()).containsExactly("x1", "x2");
        assertThat(SnapshotReader.latest(db.url(), db.prefix(), "new")).contains(snapshot("new", 1));
        try (Connection c = db.connect()) {
            assertThat(SnapshotTables.columns(c, t.snapshotTable())).containsExactlyInAnyOrderElementsOf(
                    SnapshotTables.SNAPSHOT_COLUMNS);
            assertThat(SnapshotTables.columns(c, t.latestView())).containsExactlyElementsOf(SnapshotTables.SNAPSHOT_COLUMNS);
        }
        assertThat(db.count("SELECT COUNT(*) FROM " + t.latestView() + " WHERE cells_retired = "
                + d.booleanLiteral(false))).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql", "mariadb"})
    void aTableThatCannotBeUpgradedFailsNamingIt(String kind) throws Exception {
        Db db = db(kind);
        SnapshotTables t = SnapshotTables.of(db.prefix());
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(true);
            st.execute("CREATE TABLE " + t.parameterTable() + " (model VARCHAR(20), version BIGINT, cell INT)");
        }
        assertThatThrownBy(() -> SnapshotWriter.open(db.url(), db.prefix(), 0))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("the table " + t.parameterTable() + " exists but has no column 'layer'")
                .hasMessageContaining("sink.table-prefix");
    }

    /** Names cannot smuggle SQL in (they are validated); values cannot either (they are bound). */
    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql", "mariadb"})
    void injectionThroughPrefixesModelIdsAndValuesIsRejectedOrHarmless(String kind) throws Exception {
        Db db = db(kind);
        SnapshotTables t = SnapshotTables.of(db.prefix());
        try (SnapshotWriter w = SnapshotWriter.open(db.url(), db.prefix(), 0)) {
            w.write(snapshot("m", 1));
            for (String model : List.of("m'; DROP TABLE " + t.snapshotTable() + "; --", "m' OR '1'='1", "m\\", "a b",
                    "m\"", "seed:3", "")) {
                assertThatThrownBy(() -> w.write(snapshot(model, 2))).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("model id");
            }
            // a value full of SQL is just a value
            String evil = "x'); DROP TABLE " + t.parameterTable() + "; --";
            ModelSnapshot s = snapshot("m", 3);
            w.write(new ModelSnapshot("m", 1, 3, false, 1, 1, 0, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0, 0, 0, 0, evil,
                    s.layerSizes(), evil, evil, s.parameters()));
        }
        for (String prefix : List.of("x; DROP TABLE " + t.snapshotTable() + "; --", "a' OR 1=1", "p.q", "p-")) {
            assertThatThrownBy(() -> SnapshotWriter.open(db.url(), prefix, 0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("sink.table-prefix");
            assertThatThrownBy(() -> SnapshotReader.all(db.url(), prefix, "m")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("sink.table-prefix");
        }
        // reading binds the model id: a hostile one finds nothing and breaks nothing
        assertThat(SnapshotReader.latest(db.url(), db.prefix(), "m' OR '1'='1")).isEmpty();
        assertThat(SnapshotReader.latest(db.url(), db.prefix(), "m").orElseThrow().configHash())
                .isEqualTo("x'); DROP TABLE " + t.parameterTable() + "; --");
        assertThat(versions(SnapshotReader.all(db.url(), db.prefix(), "m"))).containsExactly(1L, 3L);
        assertThat(db.count("SELECT COUNT(*) FROM " + t.parameterTable())).isEqualTo(24);
        try (Connection c = db.connect()) {
            assertThat(SnapshotTables.columns(c, t.snapshotTable())).isNotEmpty();
        }
        // the SQL scorer inlines names, so it refuses any that are not plain
        NetworkSpec seed = new NetworkSpec(new int[] {2, 2, 2}, "relu", "softmax", "cross-entropy", null);
        assertThatThrownBy(() -> ScoringQuery.build(db.dialect(), t, "m'--", 1, seed, "rows", "id"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model id");
        assertThatThrownBy(() -> ScoringQuery.build(db.dialect(), t, "m", 1, seed, "rows; DROP TABLE x", "id"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--rows-table");
        assertThatThrownBy(() -> ScoringQuery.build(db.dialect(), t, "m", 1, seed, "rows", "id, (SELECT 1)"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--id-column");
        NetworkSpec hostile = new NetworkSpec(new int[] {2, 2, 2}, "relu", "softmax", "cross-entropy",
                List.of("x1", "(SELECT password FROM users)"));
        assertThatThrownBy(() -> ScoringQuery.build(db.dialect(), t, "m", 1, hostile, "rows", "id"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("feature name");
        assertThat(Set.of(t.snapshotTable(), t.parameterTable())).allSatisfy(table -> {
            try (Connection c = db.connect()) {
                assertThat(SnapshotTables.columns(c, table)).isNotEmpty();
            }
        });
    }
}
