package io.streamtrain.connectors.jdbc;

import io.streamtrain.connectors.record.ModelSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads snapshots back from the snapshot tables, parameters reassembled into the flat layout, with
 * the optimizer state where one was stored.
 *
 * <p>A database without the tables (or a SQLite file that does not exist — it is not created)
 * reads as empty. SQL {@code NULL} metrics and parameter cells read back as {@code NaN}; a version
 * whose cells retention removed reads back with {@code null} parameters and optimizer state.
 */
public final class SnapshotReader {

    private SnapshotReader() {}

    /** The newest version of {@code model}, if any. */
    public static Optional<ModelSnapshot> latest(String jdbcUrl, String prefix, String model) throws SQLException {
        List<ModelSnapshot> found = query(jdbcUrl, prefix, model, LATEST, true);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    /** Every stored version of {@code model}, ascending by version. */
    public static List<ModelSnapshot> all(String jdbcUrl, String prefix, String model) throws SQLException {
        return query(jdbcUrl, prefix, model, ALL, true);
    }

    /**
     * Every stored version of {@code model}, ascending by version, without parameters
     * ({@link ModelSnapshot#parameters()} is null): the metrics history, cheap whatever the model size.
     */
    public static List<ModelSnapshot> history(String jdbcUrl, String prefix, String model) throws SQLException {
        return query(jdbcUrl, prefix, model, ALL, false);
    }

    private static final long LATEST = -1;
    private static final long ALL = -2;

    /** Version {@code version} of {@code model}, if stored. */
    public static Optional<ModelSnapshot> version(String jdbcUrl, String prefix, String model, long version)
            throws SQLException {
        return query(jdbcUrl, prefix, model, version, true).stream().findFirst();
    }

    /** The newest version and the highest generation stored for a model. */
    public record Head(long version, long generation) {}

    /** The newest version and highest generation of {@code model}, if it has any snapshot. */
    public static Optional<Head> head(String jdbcUrl, String prefix, String model) throws SQLException {
        SnapshotDialect dialect = SnapshotDialect.fromUrl(jdbcUrl);
        SnapshotTables tables = SnapshotTables.of(prefix);
        try (Connection c = connectIfPresent(jdbcUrl, dialect)) {
            if (c == null || !tableExists(c, tables.snapshotTable())) {
                return Optional.empty();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*), MAX(version), MAX(generation) FROM "
                    + tables.snapshotTable() + " WHERE model = ?")) {
                ps.setString(1, model);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1) == 0 ? Optional.empty() : Optional.of(new Head(rs.getLong(2), rs.getLong(3)));
                }
            }
        }
    }

    /** The names of all models with at least one snapshot, sorted. */
    public static List<String> models(String jdbcUrl, String prefix) throws SQLException {
        SnapshotDialect dialect = SnapshotDialect.fromUrl(jdbcUrl);
        SnapshotTables tables = SnapshotTables.of(prefix);
        List<String> out = new ArrayList<>();
        try (Connection c = connectIfPresent(jdbcUrl, dialect)) {
            if (c == null || !tableExists(c, tables.snapshotTable())) {
                return out;
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT DISTINCT model FROM " + tables.snapshotTable() + " ORDER BY model");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /** {@code which}: a version, {@link #LATEST} or {@link #ALL}. */
    private static List<ModelSnapshot> query(String jdbcUrl, String prefix, String model, long which,
            boolean withParameters) throws SQLException {
        SnapshotDialect dialect = SnapshotDialect.fromUrl(jdbcUrl);
        SnapshotTables tables = SnapshotTables.of(prefix);
        List<ModelSnapshot> out = new ArrayList<>();
        try (Connection c = connectIfPresent(jdbcUrl, dialect)) {
            if (c == null || !tableExists(c, tables.snapshotTable())) {
                return out;
            }
            requireCurrentSchema(c, tables);
            // One read transaction, so that headers and parameters are consistent with each other
            // while a writer commits or retires versions.
            c.setAutoCommit(false);
            try {
                if (dialect != SnapshotDialect.SQLITE) {
                    c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                }
                String sql = "SELECT " + String.join(", ", SnapshotTables.SNAPSHOT_COLUMNS) + " FROM "
                        + tables.snapshotTable() + " WHERE model = ?" + (which >= 0 ? " AND version = ?" : "")
                        + " ORDER BY version " + (which == LATEST ? "DESC LIMIT 1" : "ASC");
                List<Header> headers = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, model);
                    if (which >= 0) {
                        ps.setLong(2, which);
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            headers.add(readHeader(rs));
                        }
                    }
                }
                if (!withParameters) {
                    headers.forEach(h -> out.add(h.s()));
                    return out;
                }
                try (PreparedStatement ps = c.prepareStatement("SELECT layer, tensor, i, j, value FROM "
                        + tables.parameterTable() + " WHERE model = ? AND version = ?");
                        PreparedStatement state = c.prepareStatement("SELECT chunk, optimizer, state FROM "
                                + tables.optimizerStateTable() + " WHERE model = ? AND version = ? ORDER BY chunk")) {
                    for (Header h : headers) {
                        out.add(h.retired() ? h.s() : readOptimizerState(state, h.with(readParameters(ps, h))));
                    }
                }
            } finally {
                c.rollback();
            }
        }
        return out;
    }

    /**
     * Reading does not change the schema: tables of an older streamtrain fail here, naming the table
     * and how to upgrade it, rather than with the database's "no such column".
     */
    private static void requireCurrentSchema(Connection c, SnapshotTables tables) throws SQLException {
        java.util.Set<String> have = SnapshotTables.columns(c, tables.snapshotTable());
        List<String> missing = SnapshotTables.SNAPSHOT_COLUMNS.stream().filter(col -> !have.contains(col)).toList();
        if (!missing.isEmpty() || !tableExists(c, tables.optimizerStateTable())) {
            throw new SQLException("the table " + tables.snapshotTable() + " was written by an older streamtrain"
                    + (missing.isEmpty() ? " (no " + tables.optimizerStateTable() + ")" : " (no column " + missing + ")")
                    + "; upgrade it by running a job (or any snapshot writer) on it once, which adds what is missing");
        }
    }

    /** Header columns, parameters not yet read. */
    private record Header(ModelSnapshot s, boolean retired) {
        ModelSnapshot with(double[] parameters) {
            return s.withParameters(parameters);
        }
    }

    private static Header readHeader(ResultSet rs) throws SQLException {
        int k = 1;
        String model = rs.getString(k++);
        long version = rs.getLong(k++);
        long generation = rs.getLong(k++);
        boolean last = rs.getBoolean(k++);
        long createdAt = rs.getLong(k++);
        long rowsTrained = rs.getLong(k++);
        long rowsRejected = rs.getLong(k++);
        double preqLoss = getDouble(rs, k++);
        double preqAcc = getDouble(rs, k++);
        double holdLoss = getDouble(rs, k++);
        double holdAcc = getDouble(rs, k++);
        double holdPrecision = getDouble(rs, k++);
        double holdRecall = getDouble(rs, k++);
        double holdF1 = getDouble(rs, k++);
        double lr = getDouble(rs, k++);
        double stalenessMean = getDouble(rs, k++);
        long stalenessMax = rs.getLong(k++);
        long blocksDropped = rs.getLong(k++);
        long updatesRefused = rs.getLong(k++);
        String architecture = rs.getString(k++);
        int[] layerSizes = parseLayerSizes(rs.getString(k++), model, version);
        String configHash = rs.getString(k++);
        String sourceOffsets = rs.getString(k++);
        long optimizerStep = getLongOrMinusOne(rs, k++);
        String parentModel = rs.getString(k++);
        long parentVersion = getLongOrMinusOne(rs, k++);
        boolean retired = rs.getBoolean(k++);
        long divergences = rs.getLong(k++);
        return new Header(new ModelSnapshot(model, generation, version, last, createdAt, rowsTrained, rowsRejected,
                preqLoss, preqAcc, holdLoss, holdAcc, holdPrecision, holdRecall, holdF1, lr, stalenessMean,
                stalenessMax, blocksDropped, updatesRefused, architecture, layerSizes,
                configHash, sourceOffsets, null, optimizerStep, parentModel, parentVersion, null, null, divergences),
                retired);
    }

    private static long getLongOrMinusOne(ResultSet rs, int index) throws SQLException {
        long v = rs.getLong(index);
        return rs.wasNull() ? -1 : v;
    }

    /** The optimizer state of a snapshot: its chunks in order, or null when none was stored. */
    private static ModelSnapshot readOptimizerState(PreparedStatement ps, ModelSnapshot s) throws SQLException {
        ps.setString(1, s.model());
        ps.setLong(2, s.version());
        String optimizer = null;
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        int expectedChunk = 0;
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                if (rs.getInt(1) != expectedChunk++) {
                    throw new SQLException("snapshot " + s.model() + " v" + s.version()
                            + " has a gap in its optimizer state chunks before chunk " + rs.getInt(1));
                }
                optimizer = rs.getString(2);
                byte[] chunk = rs.getBytes(3);
                bytes.write(chunk, 0, chunk.length);
            }
        }
        if (optimizer == null) {
            return s;
        }
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes.toByteArray());
        if (buffer.remaining() % 8 != 0) {
            throw new SQLException("snapshot " + s.model() + " v" + s.version() + " has " + buffer.remaining()
                    + " bytes of optimizer state, not a whole number of float64 values");
        }
        double[] state = new double[buffer.remaining() / 8];
        buffer.asDoubleBuffer().get(state);
        return s.withOptimizerState(optimizer, state);
    }

    private static double[] readParameters(PreparedStatement ps, Header h) throws SQLException {
        ModelSnapshot s = h.s();
        int[] sizes = s.layerSizes();
        long count = ModelSnapshot.parameterCount(sizes);
        if (count > Integer.MAX_VALUE - 8) {
            throw new SQLException("snapshot " + s.model() + " v" + s.version() + " claims " + count
                    + " parameters (layer sizes " + Arrays.toString(sizes) + ")");
        }
        double[] p = new double[(int) count];
        if (count == 0) {
            return p;
        }
        // Offsets of W_l and b_l in the flat layout.
        int layers = sizes.length - 1;
        int[] wOffset = new int[layers + 1];
        int[] bOffset = new int[layers + 1];
        int pos = 0;
        for (int l = 1; l <= layers; l++) {
            wOffset[l] = pos;
            pos += sizes[l - 1] * sizes[l];
            bOffset[l] = pos;
            pos += sizes[l];
        }
        boolean[] seen = new boolean[p.length];
        int filled = 0;
        ps.setString(1, s.model());
        ps.setLong(2, s.version());
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                int layer = rs.getInt(1);
                String tensor = rs.getString(2);
                int i = rs.getInt(3);
                int j = rs.getInt(4);
                double value = getDouble(rs, 5);
                int index = -1;
                if (layer >= 1 && layer <= layers) {
                    int in = sizes[layer - 1];
                    int out = sizes[layer];
                    String t = tensor == null ? "" : tensor.trim();
                    if (t.equals("W") && i >= 0 && i < in && j >= 0 && j < out) {
                        index = wOffset[layer] + i * out + j;
                    } else if (t.equals("b") && i == 0 && j >= 0 && j < out) {
                        index = bOffset[layer] + j;
                    }
                }
                if (index < 0) {
                    throw new SQLException("snapshot " + s.model() + " v" + s.version()
                            + " has a parameter cell outside layer sizes " + Arrays.toString(sizes) + ": layer "
                            + layer + " " + tensor + "[" + i + "][" + j + "]");
                }
                if (!seen[index]) {
                    seen[index] = true;
                    filled++;
                }
                p[index] = value;
            }
        }
        if (filled != p.length) {
            throw new SQLException("snapshot " + s.model() + " v" + s.version() + " has " + filled + " of "
                    + p.length + " parameter cells for layer sizes " + Arrays.toString(sizes));
        }
        return p;
    }

    private static double getDouble(ResultSet rs, int index) throws SQLException {
        double v = rs.getDouble(index);
        return rs.wasNull() ? Double.NaN : v;
    }

    static int[] parseLayerSizes(String text, String model, long version) throws SQLException {
        if (text == null) {
            return null;
        }
        String t = text.trim();
        if (t.isEmpty()) {
            return new int[0];
        }
        try {
            return Arrays.stream(t.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new SQLException("snapshot " + model + " v" + version + " has unreadable layer_sizes '" + text + "'",
                    e);
        }
    }

    /** Null for a SQLite url whose file does not exist (reading must not create it). */
    private static Connection connectIfPresent(String jdbcUrl, SnapshotDialect dialect) throws SQLException {
        if (dialect == SnapshotDialect.SQLITE) {
            Optional<Path> file = JdbcUrls.sqliteFile(jdbcUrl);
            if (file.isPresent() && !Files.exists(file.get())) {
                return null;
            }
        }
        return JdbcUrls.connect(jdbcUrl, dialect, false);
    }

    static boolean tableExists(Connection c, String table) throws SQLException {
        return exists(c, table, new String[] {"TABLE"});
    }

    static boolean tableOrViewExists(Connection c, String table) throws SQLException {
        return exists(c, table, new String[] {"TABLE", "VIEW"});
    }

    private static boolean exists(Connection c, String table, String[] types) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        String escape = md.getSearchStringEscape();
        for (String name : new String[] {table, table.toLowerCase(Locale.ROOT), table.toUpperCase(Locale.ROOT)}) {
            String pattern = escape == null || escape.isEmpty() ? name
                    : name.replace(escape, escape + escape).replace("_", escape + "_").replace("%", escape + "%");
            try (ResultSet rs = md.getTables(c.getCatalog(), null, pattern, types)) {
                while (rs.next()) {
                    if (name.equals(rs.getString("TABLE_NAME"))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
