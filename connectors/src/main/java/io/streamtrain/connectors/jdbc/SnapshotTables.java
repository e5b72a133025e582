package io.streamtrain.connectors.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Names and DDL of the snapshot tables and views, all prefixed with a validated table prefix.
 *
 * <ul>
 *   <li>{@code {prefix}model_snapshot}: one header row per (model, version)
 *   <li>{@code {prefix}model_parameter}: one row per parameter cell; layer is 1-based, tensor is
 *       {@code 'W'} (row i = input unit, column j = output unit) or {@code 'b'} (i = 0, j = unit)
 *   <li>{@code {prefix}latest_snapshot}: the newest version of every model
 *   <li>{@code {prefix}model_leaderboard}: the newest version of every model ranked by holdout
 *       accuracy, then prequential accuracy, both descending with unknown (NULL) last
 * </ul>
 */
public final class SnapshotTables {

    /** The configuration key the prefix comes from, named in error messages. */
    public static final String PREFIX_CONFIG_KEY = "sink.table-prefix";

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,40}");

    /** Header columns in the order SnapshotWriter binds and SnapshotReader reads them. */
    static final List<String> SNAPSHOT_COLUMNS = List.of(
            "model", "version", "generation", "is_final", "created_at", "rows_trained", "rows_rejected",
            "prequential_loss", "prequential_accuracy", "holdout_loss", "holdout_accuracy", "holdout_precision",
            "holdout_recall", "holdout_f1", "learning_rate", "staleness_mean", "staleness_max", "blocks_dropped",
            "updates_refused", "architecture", "layer_sizes", "config_hash", "source_offsets");

    static final List<String> SNAPSHOT_KEY = List.of("model", "version");

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

    public String latestView() {
        return prefix + "latest_snapshot";
    }

    public String leaderboardView() {
        return prefix + "model_leaderboard";
    }

    /** The DDL statements, tables first, in the order they must run. */
    public List<String> ddl(SnapshotDialect d) {
        List<String> out = new ArrayList<>();
        String dbl = d.doubleType();
        String big = d.bigintType();
        String txt = d.textType();
        out.add("CREATE TABLE IF NOT EXISTS " + snapshotTable() + " ("
                + "model " + d.keyTextType() + " NOT NULL, "
                + "version " + big + " NOT NULL, "
                + "generation " + big + " NOT NULL, "
                + "is_final " + d.booleanType() + " NOT NULL, "
                + "created_at " + big + " NOT NULL, "
                + "rows_trained " + big + " NOT NULL, "
                + "rows_rejected " + big + " NOT NULL, "
                + "prequential_loss " + dbl + ", "
                + "prequential_accuracy " + dbl + ", "
                + "holdout_loss " + dbl + ", "
                + "holdout_accuracy " + dbl + ", "
                + "holdout_precision " + dbl + ", "
                + "holdout_recall " + dbl + ", "
                + "holdout_f1 " + dbl + ", "
                + "learning_rate " + dbl + ", "
                + "staleness_mean " + dbl + ", "
                + "staleness_max " + big + " NOT NULL, "
                + "blocks_dropped " + big + " NOT NULL, "
                + "updates_refused " + big + " NOT NULL, "
                + "architecture " + txt + ", "
                + "layer_sizes " + txt + ", "
                + "config_hash " + txt + ", "
                + "source_offsets " + txt + ", "
                + "PRIMARY KEY (model, version))" + d.tableOptions());
        out.add("CREATE TABLE IF NOT EXISTS " + parameterTable() + " ("
                + "model " + d.keyTextType() + " NOT NULL, "
                + "version " + big + " NOT NULL, "
                + "layer " + d.intType() + " NOT NULL, "
                + "tensor " + d.tensorType() + " NOT NULL, "
                + "i " + d.intType() + " NOT NULL, "
                + "j " + d.intType() + " NOT NULL, "
                + "value " + dbl + ", "
                + "PRIMARY KEY (model, version, layer, tensor, i, j))" + d.tableOptions());
        String cols = String.join(", ", SNAPSHOT_COLUMNS);
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

    /** The statements that drop the views and tables (for tests and tooling). */
    public List<String> dropDdl() {
        return List.of(
                "DROP VIEW IF EXISTS " + leaderboardView(),
                "DROP VIEW IF EXISTS " + latestView(),
                "DROP TABLE IF EXISTS " + parameterTable(),
                "DROP TABLE IF EXISTS " + snapshotTable());
    }

    /**
     * Creates the tables and views if they do not exist. On PostgreSQL the DDL runs in one
     * transaction under an advisory lock, so that parallel sink writers starting at once do not trip
     * over each other's catalog updates. The connection's auto-commit mode is restored afterwards.
     *
     * @throws IllegalArgumentException naming {@value #PREFIX_CONFIG_KEY} for an invalid prefix
     */
    public static void create(Connection c, SnapshotDialect d, String prefix) throws SQLException {
        of(prefix).create(c, d);
    }

    /** Instance form of {@link #create(Connection, SnapshotDialect, String)}. */
    public void create(Connection c, SnapshotDialect d) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        boolean transactional = d == SnapshotDialect.POSTGRESQL;
        try {
            c.setAutoCommit(!transactional);
            try (Statement st = c.createStatement()) {
                if (transactional) {
                    st.execute("SELECT pg_advisory_xact_lock(" + lockKey() + ")");
                }
                for (String sql : ddl(d)) {
                    st.execute(sql);
                }
            }
            if (transactional) {
                c.commit();
            }
        } catch (SQLException e) {
            if (transactional) {
                try {
                    c.rollback();
                } catch (SQLException r) {
                    e.addSuppressed(r);
                }
            }
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
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
