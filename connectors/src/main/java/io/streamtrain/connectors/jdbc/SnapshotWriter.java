package io.streamtrain.connectors.jdbc;

import io.streamtrain.connectors.record.ModelSnapshot;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * Writes model snapshots to the snapshot tables over plain JDBC, one transaction per snapshot.
 *
 * <p>A write is idempotent: the header row keyed (model, version) is upserted and the version's
 * parameter rows are replaced, so replaying a snapshot after a restart rewrites it. With
 * {@code retainVersions > 0} the same transaction deletes the model's versions older than its newest
 * {@code retainVersions}, except final ones ({@code is_final}). Server databases run at READ
 * COMMITTED; a transaction the database aborts as a deadlock victim (SQLSTATE 40xxx) is run again,
 * up to {@value #TRANSACTION_ATTEMPTS} times. Not thread-safe: one writer per thread.
 */
public final class SnapshotWriter implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SnapshotWriter.class);

    /** Runs of one snapshot's transaction when the database picks it as a deadlock victim. */
    static final int TRANSACTION_ATTEMPTS = 4;

    /** Parameter rows sent per executeBatch. */
    static final int BATCH_SIZE = 2048;

    private final String redactedUrl;
    private final SnapshotDialect dialect;
    private final SnapshotTables tables;
    private final int retainVersions;
    private final Connection connection;
    private final String upsertHeaderSql;
    private final String deleteParametersSql;
    private final String insertParameterSql;
    private final String retentionCutoffSql;
    private final String retireParametersSql;
    private final String retireSnapshotsSql;

    private SnapshotWriter(String jdbcUrl, SnapshotDialect dialect, SnapshotTables tables, int retainVersions,
            Connection connection) {
        this.redactedUrl = JdbcUrls.redact(jdbcUrl);
        this.dialect = dialect;
        this.tables = tables;
        this.retainVersions = retainVersions;
        this.connection = connection;
        String snap = tables.snapshotTable();
        String param = tables.parameterTable();
        upsertHeaderSql = dialect.upsert(snap, SnapshotTables.SNAPSHOT_COLUMNS, SnapshotTables.SNAPSHOT_KEY);
        deleteParametersSql = "DELETE FROM " + param + " WHERE model = ? AND version = ?";
        insertParameterSql = "INSERT INTO " + param
                + " (model, version, layer, tensor, i, j, value) VALUES (?, ?, ?, ?, ?, ?, ?)";
        // retainVersions is an int we validated, so inlining the offset is safe, and portable
        // (not every driver binds LIMIT/OFFSET parameters).
        retentionCutoffSql = "SELECT version FROM " + snap + " WHERE model = ? ORDER BY version DESC LIMIT 1 OFFSET "
                + Math.max(0, retainVersions - 1);
        retireParametersSql = "DELETE FROM " + param + " WHERE model = ? AND version < ? AND version NOT IN "
                + "(SELECT version FROM " + snap + " WHERE model = ? AND is_final = ?)";
        retireSnapshotsSql = "DELETE FROM " + snap + " WHERE model = ? AND version < ? AND is_final = ?";
    }

    /**
     * Connects, creates the tables and views if needed, and turns auto-commit off. A SQLite database
     * file gets its parent directories created and is switched to WAL, so that readers (the
     * {@code sqlite3} CLI, dashboards) can query while the job writes.
     *
     * @param jdbcUrl {@code jdbc:sqlite:}, {@code jdbc:postgresql:}, {@code jdbc:mariadb:} or
     *     {@code jdbc:mysql:} url; credentials in it, or in {@value JdbcUrls#USER_ENV} /
     *     {@value JdbcUrls#PASSWORD_ENV}
     * @param prefix table prefix, validated (see {@link SnapshotTables#validatePrefix(String)})
     * @param retainVersions versions to keep per model besides final ones; 0 keeps every version
     * @throws IllegalArgumentException for an unsupported url, an invalid prefix or a negative retain
     * @throws SQLException when the database cannot be reached or the DDL fails
     */
    public static SnapshotWriter open(String jdbcUrl, String prefix, int retainVersions) throws SQLException {
        SnapshotDialect dialect = SnapshotDialect.fromUrl(jdbcUrl);
        SnapshotTables tables = SnapshotTables.of(prefix);
        if (retainVersions < 0) {
            throw new IllegalArgumentException("retainVersions must be >= 0 (0 keeps every version), got "
                    + retainVersions);
        }
        Connection c = JdbcUrls.connect(jdbcUrl, dialect, true);
        try {
            tables.create(c, dialect);
            if (dialect != SnapshotDialect.SQLITE) {
                // No gap locks on InnoDB (the default REPEATABLE READ deadlocks parallel writers that
                // delete-then-insert parameter rows of different models); PostgreSQL's default anyway.
                c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            }
            c.setAutoCommit(false);
            SnapshotWriter w = new SnapshotWriter(jdbcUrl, dialect, tables, retainVersions, c);
            LOG.info("Snapshot writer connected to " + w.redactedUrl + " (" + dialect
                    + ", tables " + tables.snapshotTable() + " and " + tables.parameterTable() + ", retaining "
                    + (retainVersions == 0 ? "all versions" : retainVersions + " versions per model") + ")");
            return w;
        } catch (SQLException | RuntimeException e) {
            JdbcUrls.closeQuietly(c, e);
            throw e;
        }
    }

    /**
     * Writes one snapshot in one transaction (see the class comment); rolls back and rethrows on
     * failure.
     *
     * @throws IllegalArgumentException for a snapshot that cannot be stored (no model name, a name
     *     longer than {@value SnapshotDialect#MAX_KEY_LENGTH}, parameters that do not fit the layer
     *     sizes) — nothing is written then
     */
    public void write(ModelSnapshot s) throws SQLException {
        validate(s);
        for (int attempt = 1; ; attempt++) {
            try {
                writeOnce(s);
                return;
            } catch (SQLException e) {
                // Deadlock victim or serialization failure (SQLSTATE class 40): the transaction was
                // rolled back as a whole, so simply run it again, a few times.
                if (attempt >= TRANSACTION_ATTEMPTS || !isTransactionRollback(e)) {
                    throw e;
                }
                LOG.debug("Retrying snapshot " + s.model() + " v" + s.version()
                        + " after " + e);
                try {
                    Thread.sleep(ThreadLocalRandom.current().nextLong(5, 50L * attempt));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    static boolean isTransactionRollback(SQLException e) {
        for (SQLException x = e; x != null; x = x.getNextException()) {
            String state = x.getSQLState();
            if (state != null && state.startsWith("40")) {
                return true;
            }
            if (x.getNextException() == x) {
                break;
            }
        }
        return false;
    }

    private void writeOnce(ModelSnapshot s) throws SQLException {
        long start = System.nanoTime();
        int cells;
        // Statements are prepared per transaction: after a failure a driver may have invalidated a
        // cached one (sqlite-jdbc finalizes it), and preparing is cheap next to the parameter batch.
        try {
            try (PreparedStatement ps = connection.prepareStatement(upsertHeaderSql)) {
                bindHeader(ps, s);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = connection.prepareStatement(deleteParametersSql)) {
                ps.setString(1, s.model());
                ps.setLong(2, s.version());
                ps.executeUpdate();
            }
            cells = insertParameters(s);
            if (retainVersions > 0) {
                retire(s.model());
            }
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (SQLException r) {
                e.addSuppressed(r);
            }
            throw e;
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("Wrote snapshot " + s.model() + " v" + s.version() + " (" + cells
                    + " parameter rows) to " + redactedUrl + " in " + (System.nanoTime() - start) / 1_000_000 + " ms");
        }
    }

    private void bindHeader(PreparedStatement ps, ModelSnapshot s) throws SQLException {
        int k = 1;
        ps.setString(k++, s.model());
        ps.setLong(k++, s.version());
        ps.setLong(k++, s.generation());
        ps.setBoolean(k++, s.last());
        ps.setLong(k++, s.createdAtMillis());
        ps.setLong(k++, s.rowsTrained());
        ps.setLong(k++, s.rowsRejected());
        setDouble(ps, k++, s.prequentialLoss());
        setDouble(ps, k++, s.prequentialAccuracy());
        setDouble(ps, k++, s.holdoutLoss());
        setDouble(ps, k++, s.holdoutAccuracy());
        setDouble(ps, k++, s.holdoutPrecision());
        setDouble(ps, k++, s.holdoutRecall());
        setDouble(ps, k++, s.holdoutF1());
        setDouble(ps, k++, s.learningRate());
        setDouble(ps, k++, s.stalenessMean());
        ps.setLong(k++, s.stalenessMax());
        ps.setLong(k++, s.blocksDropped());
        ps.setLong(k++, s.updatesRefused());
        setText(ps, k++, s.architectureJson());
        setText(ps, k++, layerSizesText(s.layerSizes()));
        setText(ps, k++, s.configHash());
        setText(ps, k++, s.sourceOffsets());
        assert k == SnapshotTables.SNAPSHOT_COLUMNS.size() + 1;
    }

    private int insertParameters(ModelSnapshot s) throws SQLException {
        int[] sizes = s.layerSizes();
        double[] p = s.parameters();
        if (p == null || p.length == 0) {
            return 0;
        }
        try (PreparedStatement ps = connection.prepareStatement(insertParameterSql)) {
            return insertParameters(ps, s, sizes, p);
        }
    }

    private int insertParameters(PreparedStatement ps, ModelSnapshot s, int[] sizes, double[] p)
            throws SQLException {
        // Every parameter is bound for every row: some drivers (sqlite-jdbc) clear the bindings
        // after executeBatch, so values set once before a mid-way flush would be lost.
        int pos = 0;
        int pending = 0;
        for (int l = 1; l < sizes.length; l++) {
            int in = sizes[l - 1];
            int out = sizes[l];
            for (int i = 0; i < in; i++) {
                for (int j = 0; j < out; j++) {
                    addCell(ps, s, l, "W", i, j, p[pos++]);
                    if (++pending == BATCH_SIZE) {
                        ps.executeBatch();
                        pending = 0;
                    }
                }
            }
            for (int j = 0; j < out; j++) {
                addCell(ps, s, l, "b", 0, j, p[pos++]);
                if (++pending == BATCH_SIZE) {
                    ps.executeBatch();
                    pending = 0;
                }
            }
        }
        if (pending > 0) {
            ps.executeBatch();
        }
        return pos;
    }

    private void addCell(PreparedStatement ps, ModelSnapshot s, int layer, String tensor, int i, int j, double v)
            throws SQLException {
        ps.setString(1, s.model());
        ps.setLong(2, s.version());
        ps.setInt(3, layer);
        ps.setString(4, tensor);
        ps.setInt(5, i);
        ps.setInt(6, j);
        setDouble(ps, 7, v);
        ps.addBatch();
    }

    private void retire(String model) throws SQLException {
        long cutoff;
        try (PreparedStatement ps = connection.prepareStatement(retentionCutoffSql)) {
            ps.setString(1, model);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return; // no more versions than we keep
                }
                cutoff = rs.getLong(1);
            }
        }
        try (PreparedStatement ps = connection.prepareStatement(retireParametersSql)) {
            ps.setString(1, model);
            ps.setLong(2, cutoff);
            ps.setString(3, model);
            ps.setBoolean(4, true);
            ps.executeUpdate();
        }
        int gone;
        try (PreparedStatement ps = connection.prepareStatement(retireSnapshotsSql)) {
            ps.setString(1, model);
            ps.setLong(2, cutoff);
            ps.setBoolean(3, false);
            gone = ps.executeUpdate();
        }
        if (gone > 0 && LOG.isDebugEnabled()) {
            LOG.debug("Retired " + gone + " snapshot(s) of " + model + " older than v" + cutoff);
        }
    }

    static void validate(ModelSnapshot s) {
        if (s == null) {
            throw new IllegalArgumentException("snapshot is null");
        }
        if (s.model() == null || s.model().isEmpty()) {
            throw new IllegalArgumentException("snapshot v" + s.version() + " has no model name");
        }
        if (s.model().length() > SnapshotDialect.MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("model name longer than " + SnapshotDialect.MAX_KEY_LENGTH
                    + " characters: " + s.model().substring(0, 40) + "...");
        }
        int[] sizes = s.layerSizes();
        if (sizes != null) {
            for (int size : sizes) {
                if (size <= 0) {
                    throw new IllegalArgumentException("snapshot " + s.model() + " v" + s.version()
                            + " has a non-positive layer size: " + Arrays.toString(sizes));
                }
            }
        }
        long expected = ModelSnapshot.parameterCount(sizes);
        long actual = s.parameters() == null ? 0 : s.parameters().length;
        if (expected != actual) {
            throw new IllegalArgumentException("snapshot " + s.model() + " v" + s.version() + " has " + actual
                    + " parameters but layer sizes " + Arrays.toString(sizes) + " need " + expected);
        }
    }

    static String layerSizesText(int[] sizes) {
        return sizes == null ? null : Arrays.stream(sizes).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    /**
     * NaN is stored as NULL (SQLite and MariaDB have no NaN; PostgreSQL would, but we stay uniform).
     * MariaDB has no infinities either (the driver sends the literal {@code Infinity}, a syntax
     * error), so there ±Infinity is stored as NULL too and reads back as NaN.
     */
    private void setDouble(PreparedStatement ps, int index, double v) throws SQLException {
        if (Double.isNaN(v) || (Double.isInfinite(v) && dialect == SnapshotDialect.MARIADB)) {
            ps.setNull(index, Types.DOUBLE);
        } else {
            ps.setDouble(index, v);
        }
    }

    private static void setText(PreparedStatement ps, int index, String v) throws SQLException {
        if (v == null) {
            ps.setNull(index, Types.VARCHAR);
        } else {
            ps.setString(index, v);
        }
    }

    /** The dialect the url selected. */
    public SnapshotDialect dialect() {
        return dialect;
    }

    /** The tables written. */
    public SnapshotTables tables() {
        return tables;
    }

    /** The url this writer writes to, passwords redacted. */
    public String redactedUrl() {
        return redactedUrl;
    }

    /** Redacts passwords in a JDBC url; see {@link JdbcUrls#redact(String)}. */
    public static String redact(String jdbcUrl) {
        return JdbcUrls.redact(jdbcUrl);
    }

    /** Closes the connection (an open transaction, if any, is rolled back). */
    @Override
    public void close() throws SQLException {
        SQLException failure = null;
        try {
            if (!connection.isClosed() && !connection.getAutoCommit()) {
                connection.rollback();
            }
        } catch (SQLException e) {
            failure = e;
        }
        try {
            connection.close();
        } catch (SQLException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
