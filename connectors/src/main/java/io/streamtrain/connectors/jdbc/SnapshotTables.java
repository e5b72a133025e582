package io.streamtrain.connectors.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Names and DDL of the snapshot tables and views, all prefixed with a validated table prefix.
 *
 * <ul>
 *   <li>{@code {prefix}model_snapshot}: one header row per (model, version), kept for ever
 *   <li>{@code {prefix}model_parameter}: one row per parameter cell; layer is 1-based, tensor is
 *       {@code 'W'} (row i = input unit, column j = output unit) or {@code 'b'} (i = 0, j = unit)
 *   <li>{@code {prefix}model_optimizer_state}: the optimizer's per-parameter state of a version, as
 *       big-endian float64 values in chunks of at most {@value #OPTIMIZER_CHUNK_VALUES} (only read
 *       back by a warm start; not meant for SQL)
 *   <li>{@code {prefix}latest_snapshot}: the newest version of every model
 *   <li>{@code {prefix}model_leaderboard}: the newest version of every model ranked by holdout
 *       accuracy, then prequential accuracy, both descending with unknown (NULL) last
 * </ul>
 *
 * <p>Creating is idempotent, and upgrades tables written by an older streamtrain: header columns
 * it lacks are added (NULL, or the stated default, for old rows) and views whose columns differ are
 * recreated. A table that lacks a key column cannot be upgraded: that fails with a message naming
 * the table and what to do. (Hand-written rather than a migration library: the tables are created
 * per prefix at run time, on three dialects, and the only change so far is added columns.)
 */
public final class SnapshotTables {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotTables.class);

    /** The configuration key the prefix comes from, named in error messages. */
    public static final String PREFIX_CONFIG_KEY = "sink.table-prefix";

    /** Optimizer state values per row of the optimizer state table (1 MiB of float64). */
    public static final int OPTIMIZER_CHUNK_VALUES = 1 << 17;

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,40}");

    /** One column: name, type per dialect, NOT NULL, and the default an upgrade fills old rows with. */
    record Column(String name, Function<SnapshotDialect, String> type, boolean notNull, String defaultValue) {
        String definition(SnapshotDialect d) {
            return name + " " + type.apply(d) + (notNull ? " NOT NULL" : "")
                    + (defaultValue == null ? "" : " DEFAULT " + defaultValue(d));
        }

        String defaultValue(SnapshotDialect d) {
            // SQLite keeps booleans as 0/1 integers
            return d == SnapshotDialect.SQLITE && defaultValue.equals("FALSE") ? "0" : defaultValue;
        }
    }

    private static Column col(String name, Function<SnapshotDialect, String> type, boolean notNull) {
        return new Column(name, type, notNull, null);
    }

    /** Header columns, in table order; new columns go last, so that upgraded tables match new ones. */
    static final List<Column> SNAPSHOT_TABLE = List.of(
            col("model", SnapshotDialect::keyTextType, true),
            col("version", SnapshotDialect::bigintType, true),
            col("generation", SnapshotDialect::bigintType, true),
            col("is_final", SnapshotDialect::booleanType, true),
            col("created_at", SnapshotDialect::bigintType, true),
            col("rows_trained", SnapshotDialect::bigintType, true),
            col("rows_rejected", SnapshotDialect::bigintType, true),
            col("prequential_loss", SnapshotDialect::doubleType, false),
            col("prequential_accuracy", SnapshotDialect::doubleType, false),
            col("holdout_loss", SnapshotDialect::doubleType, false),
            col("holdout_accuracy", SnapshotDialect::doubleType, false),
            col("holdout_precision", SnapshotDialect::doubleType, false),
            col("holdout_recall", SnapshotDialect::doubleType, false),
            col("holdout_f1", SnapshotDialect::doubleType, false),
            col("learning_rate", SnapshotDialect::doubleType, false),
            col("staleness_mean", SnapshotDialect::doubleType, false),
            new Column("staleness_max", SnapshotDialect::bigintType, true, "0"),
            new Column("blocks_dropped", SnapshotDialect::bigintType, true, "0"),
            new Column("updates_refused", SnapshotDialect::bigintType, true, "0"),
            col("architecture", SnapshotDialect::textType, false),
            col("layer_sizes", SnapshotDialect::textType, false),
            col("config_hash", SnapshotDialect::textType, false),
            col("source_offsets", SnapshotDialect::textType, false),
            col("optimizer_step", SnapshotDialect::bigintType, false),
            col("parent_model", SnapshotDialect::textType, false),
            col("parent_version", SnapshotDialect::bigintType, false),
            new Column("cells_retired", SnapshotDialect::booleanType, true, "FALSE"),
            new Column("divergences", SnapshotDialect::bigintType, true, "0"));

    /** Header columns in the order SnapshotWriter binds and SnapshotReader reads them. */
    static final List<String> SNAPSHOT_COLUMNS = SNAPSHOT_TABLE.stream().map(Column::name).toList();

    static final List<String> SNAPSHOT_KEY = List.of("model", "version");

    static final List<Column> PARAMETER_TABLE = List.of(
            col("model", SnapshotDialect::keyTextType, true),
            col("version", SnapshotDialect::bigintType, true),
            col("layer", SnapshotDialect::intType, true),
            col("tensor", SnapshotDialect::tensorType, true),
            col("i", SnapshotDialect::intType, true),
            col("j", SnapshotDialect::intType, true),
            col("value", SnapshotDialect::doubleType, false));

    static final List<Column> OPTIMIZER_TABLE = List.of(
            col("model", SnapshotDialect::keyTextType, true),
            col("version", SnapshotDialect::bigintType, true),
            col("chunk", SnapshotDialect::intType, true),
            col("optimizer", SnapshotDialect::textType, true),
            col("state", SnapshotDialect::blobType, true));

    private final String prefix;

    private SnapshotTables(String prefix) {
        this.prefix = prefix;
    }

    /**
     * Validates a table prefix (empty is allowed; otherwise an SQL identifier start of at most 41
     * characters).
     *
     * @throws IllegalArgumentException naming {@value #PREFIX_CONFIG_KEY} when it is not one
     */
    public static SnapshotTables of(String prefix) {
        return new SnapshotTables(validatePrefix(prefix));
    }

    /** Returns the prefix unchanged when valid ({@code null} counts as empty). */
    public static String validatePrefix(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            return "";
        }
        if (!PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("invalid " + PREFIX_CONFIG_KEY + " '" + prefix
                    + "': must match [A-Za-z_][A-Za-z0-9_]{0,40} (letters, digits, underscores; "
                    + "not starting with a digit; at most 41 characters)");
        }
        return prefix;
    }

    public String prefix() {
        return prefix;
    }

    public String snapshotTable() {
        return prefix + "model_snapshot";
    }

    public String parameterTable() {
        return prefix + "model_parameter";
    }

    public String optimizerStateTable() {
        return prefix + "model_optimizer_state";
    }

    public String latestView() {
        return prefix + "latest_snapshot";
    }

    public String leaderboardView() {
        return prefix + "model_leaderboard";
    }

    /** CREATE TABLE IF NOT EXISTS for the three tables, in the order they must run. */
    public List<String> tableDdl(SnapshotDialect d) {
        return List.of(
                createTable(d, snapshotTable(), SNAPSHOT_TABLE, "model, version"),
                createTable(d, parameterTable(), PARAMETER_TABLE, "model, version, layer, tensor, i, j"),
                createTable(d, optimizerStateTable(), OPTIMIZER_TABLE, "model, version, chunk"));
    }

    private static String createTable(SnapshotDialect d, String table, List<Column> columns, String key) {
        StringBuilder sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ").append(table).append(" (");
        for (Column c : columns) {
            sql.append(c.definition(d)).append(", ");
        }
        return sql.append("PRIMARY KEY (").append(key).append("))").append(d.tableOptions()).toString();
    }

    /** CREATE VIEW for the two views (run after dropping outdated ones). */
    public List<String> viewDdl(SnapshotDialect d) {
        String cols = String.join(", ", SNAPSHOT_COLUMNS);
        List<String> out = new ArrayList<>();
        out.add(d.createViewPrefix() + " " + latestView() + " AS SELECT " + cols
                + " FROM " + snapshotTable() + " s WHERE s.version = (SELECT MAX(m.version) FROM "
                + snapshotTable() + " m WHERE m.model = s.model)");
        // "(x IS NULL)" sorts unknown metrics last everywhere (PostgreSQL puts NULL first in DESC,
        // MariaDB has no NULLS LAST); the model name breaks ties so the rank is deterministic.
        String order = "(holdout_accuracy IS NULL), holdout_accuracy DESC, "
                + "(prequential_accuracy IS NULL), prequential_accuracy DESC, model";
        out.add(d.createViewPrefix() + " " + leaderboardView() + " AS SELECT "
                + "ROW_NUMBER() OVER (ORDER BY " + order + ") AS leaderboard_rank, " + cols
                + " FROM " + latestView() + " ORDER BY " + order);
        return out;
    }

    /** The DDL of a fresh database: tables, then views. */
    public List<String> ddl(SnapshotDialect d) {
        List<String> out = new ArrayList<>(tableDdl(d));
        out.addAll(viewDdl(d));
        return out;
    }

    /** The statements that drop the views and tables (for tests and tooling). */
    public List<String> dropDdl() {
        return List.of(
                "DROP VIEW IF EXISTS " + leaderboardView(),
                "DROP VIEW IF EXISTS " + latestView(),
                "DROP TABLE IF EXISTS " + optimizerStateTable(),
                "DROP TABLE IF EXISTS " + parameterTable(),
                "DROP TABLE IF EXISTS " + snapshotTable());
    }

    /**
     * Creates the tables and views if they do not exist, and upgrades older ones (see the class
     * comment). Parallel sink writers starting at once take turns: PostgreSQL runs the DDL in one
     * transaction under an advisory lock, MariaDB under a named lock ({@code GET_LOCK}), SQLite in
     * one {@code BEGIN IMMEDIATE} transaction. The connection's auto-commit mode is restored
     * afterwards.
     *
     * @throws IllegalArgumentException naming {@value #PREFIX_CONFIG_KEY} for an invalid prefix
     * @throws SQLException naming the table when an existing table cannot be upgraded
     */
    public static void create(Connection c, SnapshotDialect d, String prefix) throws SQLException {
        of(prefix).create(c, d);
    }

    /** Instance form of {@link #create(Connection, SnapshotDialect, String)}. */
    public void create(Connection c, SnapshotDialect d) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        try (Statement st = c.createStatement()) {
            switch (d) {
                case POSTGRESQL -> {
                    // transactional DDL under a transaction-scoped advisory lock
                    c.setAutoCommit(false);
                    try {
                        st.execute("SELECT pg_advisory_xact_lock(" + lockKey() + ")");
                        createOrUpgrade(c, d, st);
                        c.commit();
                    } catch (SQLException | RuntimeException e) {
                        rollback(c, e);
                        throw e;
                    }
                }
                case MARIADB -> {
                    // DDL commits implicitly there; a named lock keeps parallel writers apart
                    c.setAutoCommit(true);
                    String lock = "streamtrain_ddl_" + Long.toHexString(lockKey());
                    try (PreparedStatement ps = c.prepareStatement("SELECT GET_LOCK(?, 60)")) {
                        ps.setString(1, lock);
                        try (ResultSet rs = ps.executeQuery()) {
                            if (!rs.next() || rs.getInt(1) != 1) {
                                throw new SQLException("timed out waiting for the lock " + lock
                                        + " to create " + snapshotTable() + ": is another writer stuck creating it?");
                            }
                        }
                    }
                    try {
                        createOrUpgrade(c, d, st);
                    } finally {
                        try (PreparedStatement ps = c.prepareStatement("SELECT RELEASE_LOCK(?)")) {
                            ps.setString(1, lock);
                            ps.execute();
                        }
                    }
                }
                case SQLITE -> {
                    // transactional DDL; IMMEDIATE takes the write lock first, so the checks and the
                    // changes they lead to are one step (another writer waits on the busy timeout)
                    c.setAutoCommit(true);
                    st.execute("BEGIN IMMEDIATE");
                    try {
                        createOrUpgrade(c, d, st);
                        st.execute("COMMIT");
                    } catch (SQLException | RuntimeException e) {
                        try {
                            st.execute("ROLLBACK");
                        } catch (SQLException r) {
                            e.addSuppressed(r);
                        }
                        throw e;
                    }
                }
            }
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    private void createOrUpgrade(Connection c, SnapshotDialect d, Statement st) throws SQLException {
        for (String sql : tableDdl(d)) {
            st.execute(sql);
        }
        requireColumns(c, parameterTable(), PARAMETER_TABLE);
        requireColumns(c, optimizerStateTable(), OPTIMIZER_TABLE);
        addMissingColumns(c, d, st);
        List<String> views = viewDdl(d);
        if (!columns(c, latestView()).equals(lower(SNAPSHOT_COLUMNS))) {
            replaceView(st, latestView(), views.get(0));
        }
        List<String> board = new ArrayList<>();
        board.add("leaderboard_rank");
        board.addAll(SNAPSHOT_COLUMNS);
        if (!columns(c, leaderboardView()).equals(lower(board))) {
            replaceView(st, leaderboardView(), views.get(1));
        }
    }

    private static void rollback(Connection c, Exception e) {
        try {
            c.rollback();
        } catch (SQLException r) {
            e.addSuppressed(r);
        }
    }

    private void addMissingColumns(Connection c, SnapshotDialect d, Statement st) throws SQLException {
        Set<String> have = columns(c, snapshotTable());
        for (String key : SNAPSHOT_KEY) {
            if (!have.contains(key)) {
                throw incompatible(snapshotTable(), key);
            }
        }
        for (Column col : SNAPSHOT_TABLE) {
            if (have.contains(col.name())) {
                continue;
            }
            String sql = "ALTER TABLE " + snapshotTable() + " ADD COLUMN " + col.definition(d);
            try {
                st.execute(sql);
                LOG.info("Upgraded {}: added column {} (written by an older streamtrain)", snapshotTable(), col.name());
            } catch (SQLException e) {
                throw new SQLException("cannot add the column " + col.name() + " to " + snapshotTable()
                        + ", a table written by an older streamtrain: " + e.getMessage()
                        + "; add it by hand (" + sql + "), or drop the table, or choose another "
                        + PREFIX_CONFIG_KEY, e);
            }
        }
    }

    private static void replaceView(Statement st, String view, String create) throws SQLException {
        try {
            st.execute("DROP VIEW IF EXISTS " + view);
            st.execute(create);
        } catch (SQLException e) {
            throw new SQLException("cannot recreate the view " + view + " with the columns of this streamtrain: "
                    + e.getMessage() + "; drop it by hand (other views may depend on it)", e);
        }
    }

    private static SQLException incompatible(String table, String column) {
        return new SQLException("the table " + table + " exists but has no column '" + column
                + "': it was not written by streamtrain, or by an incompatible version; drop or rename it, or choose "
                + "another " + PREFIX_CONFIG_KEY);
    }

    private static void requireColumns(Connection c, String table, List<Column> expected) throws SQLException {
        Set<String> have = columns(c, table);
        for (Column col : expected) {
            if (!have.contains(col.name())) {
                throw incompatible(table, col.name());
            }
        }
    }

    /**
     * The lower-cased column names of a table or view, in order; empty when it does not exist.
     * (Through a query's metadata rather than DatabaseMetaData, whose catalog and case rules differ
     * between the drivers.)
     */
    static Set<String> columns(Connection c, String table) throws SQLException {
        Set<String> out = new LinkedHashSet<>();
        if (!SnapshotReader.tableOrViewExists(c, table)) {
            return out;
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM " + table + " WHERE 1 = 0")) {
            ResultSetMetaData md = rs.getMetaData();
            for (int k = 1; k <= md.getColumnCount(); k++) {
                out.add(md.getColumnLabel(k).toLowerCase(Locale.ROOT));
            }
        }
        return out;
    }

    private static Set<String> lower(List<String> names) {
        Set<String> out = new LinkedHashSet<>();
        for (String n : names) {
            out.add(n.toLowerCase(Locale.ROOT));
        }
        return out;
    }

    /** Executes {@link #dropDdl()} (auto-commit as the connection is). */
    public void drop(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String sql : dropDdl()) {
                st.execute(sql);
            }
        }
        if (!c.getAutoCommit()) {
            c.commit();
        }
    }

    private long lockKey() {
        // Stable across JVMs: String.hashCode is specified.
        return 0x57_5452_4149_4EL ^ snapshotTable().hashCode();
    }
}
