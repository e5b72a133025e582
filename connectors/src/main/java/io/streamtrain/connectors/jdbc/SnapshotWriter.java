package io.streamtrain.connectors.jdbc;

import io.streamtrain.connectors.record.ModelSnapshot;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Writes model snapshots to the snapshot tables over plain JDBC, one transaction per snapshot: the
 * header row, every parameter cell, the optimizer state and the retention of older versions commit
 * together, so a reader sees a version with all its cells or not at all.
 *
 * <p>A write is idempotent: the header row keyed (model, version) is upserted and the version's
 * parameter and optimizer-state rows are replaced, so replaying a snapshot after a restore rewrites
 * it and never duplicates it. With a {@link Retention} that retires, the same transaction deletes the
 * cells and optimizer state of the model's versions it no longer keeps and flags their headers
 * {@code cells_retired}; headers are never deleted. Server databases run at READ COMMITTED; a
 * transaction the database aborts as a deadlock victim (SQLSTATE 40xxx) is run again, up to
 * {@value #TRANSACTION_ATTEMPTS} times. Not thread-safe: one writer per thread.
 *
 * <p>Cells go to PostgreSQL through {@code COPY FROM STDIN}, elsewhere as JDBC batches of one
 * prepared single-row INSERT ({@value #BATCH_SIZE} rows per {@code executeBatch}; the MariaDB driver
 * sends a batch with its bulk protocol). Write times for the 784-128-10 network (101,770 cells) are
 * in the README.
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
    private final Retention retention;
    private final Connection connection;
    private final String upsertHeaderSql;
    private final String deleteParametersSql;
    private final String insertParameterSql;
    private final String deleteOptimizerStateSql;
    private final String insertOptimizerStateSql;
    private final String retentionCutoffSql;
    private final String retentionCandidatesSql;
    private final String retireHeaderSql;

    private SnapshotWriter(String jdbcUrl, SnapshotDialect dialect, SnapshotTables tables, Retention retention,
            Connection connection) {
        this.redactedUrl = JdbcUrls.redact(jdbcUrl);
        this.dialect = dialect;
        this.tables = tables;
        this.retention = retention;
        this.connection = connection;
        String snap = tables.snapshotTable();
        String param = tables.parameterTable();
        String opt = tables.optimizerStateTable();
        upsertHeaderSql = dialect.upsert(snap, SnapshotTables.SNAPSHOT_COLUMNS, SnapshotTables.SNAPSHOT_KEY);
        deleteParametersSql = "DELETE FROM " + param + " WHERE model = ? AND version = ?";
        insertParameterSql = "INSERT INTO " + param
                + " (model, version, layer, tensor, i, j, value) VALUES (?, ?, ?, ?, ?, ?, ?)";
        deleteOptimizerStateSql = "DELETE FROM " + opt + " WHERE model = ? AND version = ?";
        insertOptimizerStateSql = "INSERT INTO " + opt + " (model, version, chunk, optimizer, state) VALUES (?, ?, ?, ?, ?)";
        // keepLast is an int we validated, so inlining the offset is safe, and portable
        // (not every driver binds LIMIT/OFFSET parameters).
        retentionCutoffSql = "SELECT version FROM " + snap + " WHERE model = ? ORDER BY version DESC LIMIT 1 OFFSET "
                + Math.max(0, retention.keepLast() - 1);
        retentionCandidatesSql = "SELECT version, is_final FROM " + snap
                + " WHERE model = ? AND version < ? AND cells_retired = ?";
        retireHeaderSql = "UPDATE " + snap + " SET cells_retired = ? WHERE model = ? AND version = ?";
    }

    /** {@link #open(String, String, Retention)} keeping the cells of the newest {@code retainVersions}. */
    public static SnapshotWriter open(String jdbcUrl, String prefix, int retainVersions) throws SQLException {
        return open(jdbcUrl, prefix, new Retention(retainVersions, 0));
    }

    /**
     * Connects, creates (or upgrades) the tables and views if needed, and turns auto-commit off. A
     * SQLite database file gets its parent directories created and is switched to WAL, so that
     * readers (the {@code sqlite3} CLI, dashboards) can query while the job writes.
     *
     * @param jdbcUrl {@code jdbc:sqlite:}, {@code jdbc:postgresql:}, {@code jdbc:mariadb:} or
     *     {@code jdbc:mysql:} url; credentials in it, or in {@value JdbcUrls#USER_ENV} /
     *     {@value JdbcUrls#PASSWORD_ENV}
     * @param prefix table prefix, validated (see {@link SnapshotTables#validatePrefix(String)})
     * @param retention which versions keep their cells
     * @throws IllegalArgumentException for an unsupported url or an invalid prefix
     * @throws SQLException when the database cannot be reached or the DDL fails
     */
    public static SnapshotWriter open(String jdbcUrl, String prefix, Retention retention) throws SQLException {
        SnapshotDialect dialect = SnapshotDialect.fromUrl(jdbcUrl);
        SnapshotTables tables = SnapshotTables.of(prefix);
        Connection c = JdbcUrls.connect(jdbcUrl, dialect, true);
        try {
            tables.create(c, dialect);
            if (dialect != SnapshotDialect.SQLITE) {
                // No gap locks on InnoDB (the default REPEATABLE READ deadlocks parallel writers that
                // delete-then-insert parameter rows of different models); PostgreSQL's default anyway.
                c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            }
            c.setAutoCommit(false);
            SnapshotWriter w = new SnapshotWriter(jdbcUrl, dialect, tables, retention, c);
            LOG.info("Snapshot writer connected to " + w.redactedUrl + " (" + dialect
                    + ", tables " + tables.snapshotTable() + " and " + tables.parameterTable() + ", keeping "
                    + retention + ")");
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
        write(s, null);
    }

    /** {@link #write(ModelSnapshot)}, running {@code beforeCommit} inside the open transaction (tests). */
    void write(ModelSnapshot s, Runnable beforeCommit) throws SQLException {
        validate(s);
        for (int attempt = 1; ; attempt++) {
            try {
                writeOnce(s, beforeCommit);
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

    private void writeOnce(ModelSnapshot s, Runnable beforeCommit) throws SQLException {
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
            try (PreparedStatement ps = connection.prepareStatement(deleteOptimizerStateSql)) {
                ps.setString(1, s.model());
                ps.setLong(2, s.version());
                ps.executeUpdate();
            }
            insertOptimizerState(s);
            if (retention.retires()) {
                retire(s.model());
            }
            if (beforeCommit != null) {
                beforeCommit.run();
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
        setLongOrNull(ps, k++, s.optimizerStep());
        setText(ps, k++, s.parentModel());
        setLongOrNull(ps, k++, s.parentVersion());
        ps.setBoolean(k++, false); // cells_retired: a (re)written version has all its cells
        ps.setLong(k++, s.divergences());
        assert k == SnapshotTables.SNAPSHOT_COLUMNS.size() + 1;
    }

    private int insertParameters(ModelSnapshot s) throws SQLException {
        int[] sizes = s.layerSizes();
        double[] p = s.parameters();
        if (p == null || p.length == 0) {
            return 0;
        }
        if (dialect == SnapshotDialect.POSTGRESQL) {
            return copyParameters(s, sizes, p);
        }
        try (PreparedStatement ps = connection.prepareStatement(insertParameterSql)) {
            return insertParameters(ps, s, sizes, p);
        }
    }

    /**
     * PostgreSQL: the cells through {@code COPY ... FROM STDIN} in PostgreSQL's binary format, in the
     * snapshot's transaction: several times faster than batched INSERTs, and every double goes as its
     * 8 bytes (no decimal text to round). NaN is NULL, as elsewhere.
     */
    private int copyParameters(ModelSnapshot s, int[] sizes, double[] p) throws SQLException {
        CopyIn copy = connection.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + tables.parameterTable()
                + " (model, version, layer, tensor, i, j, value) FROM STDIN (FORMAT binary)");
        try {
            byte[] model = s.model().getBytes(StandardCharsets.UTF_8);
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024); // big-endian, as the format wants
            // header: signature, flags, header extension length
            buf.put(new byte[] {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0}).putInt(0).putInt(0);
            int tuple = 2 + 4 + model.length + 4 + 8 + 4 + 4 + 4 + 1 + 4 + 4 + 4 + 4 + 4 + 8;
            int pos = 0;
            for (int l = 1; l < sizes.length; l++) {
                int in = sizes[l - 1];
                int out = sizes[l];
                for (int i = 0; i < in; i++) {
                    for (int j = 0; j < out; j++) {
                        buf = room(copy, buf, tuple);
                        copyCell(buf, model, s.version(), l, (byte) 'W', i, j, p[pos++]);
                    }
                }
                for (int j = 0; j < out; j++) {
                    buf = room(copy, buf, tuple);
                    copyCell(buf, model, s.version(), l, (byte) 'b', 0, j, p[pos++]);
                }
            }
            buf = room(copy, buf, 2);
            buf.putShort((short) -1); // trailer
            copy.writeToCopy(buf.array(), 0, buf.position());
            copy.endCopy();
            return pos;
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }

    /** One tuple: field count, then per field its byte length and bytes (length -1: NULL). */
    private static void copyCell(ByteBuffer buf, byte[] model, long version, int layer, byte tensor, int i, int j,
            double v) {
        buf.putShort((short) 7);
        buf.putInt(model.length).put(model);
        buf.putInt(8).putLong(version);
        buf.putInt(4).putInt(layer);
        buf.putInt(1).put(tensor);
        buf.putInt(4).putInt(i);
        buf.putInt(4).putInt(j);
        if (Double.isNaN(v)) {
            buf.putInt(-1);
        } else {
            buf.putInt(8).putDouble(v);
        }
    }

    /** Sends what the buffer holds when fewer than {@code bytes} are free. */
    private static ByteBuffer room(CopyIn copy, ByteBuffer buf, int bytes) throws SQLException {
        if (buf.remaining() < bytes) {
            copy.writeToCopy(buf.array(), 0, buf.position());
            buf.clear();
        }
        return buf;
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

    /** Optimizer state as chunks of big-endian float64 values (opaque to SQL, read by a warm start). */
    private void insertOptimizerState(ModelSnapshot s) throws SQLException {
        double[] state = s.optimizerState();
        if (state == null || s.optimizer() == null) {
            return;
        }
        try (PreparedStatement ps = connection.prepareStatement(insertOptimizerStateSql)) {
            int chunks = Math.max(1, (state.length + SnapshotTables.OPTIMIZER_CHUNK_VALUES - 1)
                    / SnapshotTables.OPTIMIZER_CHUNK_VALUES);
            for (int chunk = 0; chunk < chunks; chunk++) {
                int from = chunk * SnapshotTables.OPTIMIZER_CHUNK_VALUES;
                int to = Math.min(state.length, from + SnapshotTables.OPTIMIZER_CHUNK_VALUES);
                ByteBuffer bytes = ByteBuffer.allocate(8 * (to - from)).order(ByteOrder.BIG_ENDIAN);
                for (int k = from; k < to; k++) {
                    bytes.putDouble(state[k]);
                }
                ps.setString(1, s.model());
                ps.setLong(2, s.version());
                ps.setInt(3, chunk);
                ps.setString(4, s.optimizer());
                ps.setBytes(5, bytes.array());
                ps.executeUpdate();
            }
        }
    }

    /** Retires the cells of the versions {@link #retention} no longer keeps; their headers stay. */
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
        List<Long> retire = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(retentionCandidatesSql)) {
            ps.setString(1, model);
            ps.setLong(2, cutoff);
            ps.setBoolean(3, false);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long version = rs.getLong(1);
                    if (!retention.keepsOlder(version, rs.getBoolean(2))) {
                        retire.add(version);
                    }
                }
            }
        }
        if (retire.isEmpty()) {
            return;
        }
        try (PreparedStatement cells = connection.prepareStatement(deleteParametersSql);
                PreparedStatement state = connection.prepareStatement(deleteOptimizerStateSql);
                PreparedStatement header = connection.prepareStatement(retireHeaderSql)) {
            for (long version : retire) {
                cells.setString(1, model);
                cells.setLong(2, version);
                cells.executeUpdate();
                state.setString(1, model);
                state.setLong(2, version);
                state.executeUpdate();
                header.setBoolean(1, true);
                header.setString(2, model);
                header.setLong(3, version);
                header.executeUpdate();
            }
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("Retired the cells of " + retire.size() + " version(s) of " + model + " older than v" + cutoff);
        }
    }

    static void validate(ModelSnapshot s) {
        if (s == null) {
            throw new IllegalArgumentException("snapshot is null");
        }
        SqlIdentifiers.modelId(s.model(), "model id");
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
        double[] state = s.optimizerState();
        if (state != null && state.length > 0 && (expected == 0 || state.length % expected != 0)) {
            throw new IllegalArgumentException("snapshot " + s.model() + " v" + s.version() + " has "
                    + state.length + " optimizer state values, not a multiple of its " + expected + " parameters");
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

    /** Negative means unknown: stored as NULL. */
    private static void setLongOrNull(PreparedStatement ps, int index, long v) throws SQLException {
        if (v < 0) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, v);
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
