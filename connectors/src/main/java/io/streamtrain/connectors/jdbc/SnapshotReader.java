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
 * Reads snapshots back from the snapshot tables, parameters reassembled into the flat layout.
 *
 * <p>A database without the tables (or a SQLite file that does not exist — it is not created)
 * reads as empty. SQL {@code NULL} metrics and parameter cells read back as {@code NaN}.
 */
public final class SnapshotReader {

    private SnapshotReader() {}

    /** The newest version of {@code model}, if any. */
    public static Optional<ModelSnapshot> latest(String jdbcUrl, String prefix, String model) throws SQLException {
        List<ModelSnapshot> found = query(jdbcUrl, prefix, model, true, true);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    /** Every stored version of {@code model}, ascending by version. */
    public static List<ModelSnapshot> all(String jdbcUrl, String prefix, String model) throws SQLException {
        return query(jdbcUrl, prefix, model, false, true);
    }

    /**
     * Every stored version of {@code model}, ascending by version, without parameters
     * ({@link ModelSnapshot#parameters()} is null): the metrics history, cheap whatever the model size.
     */
    public static List<ModelSnapshot> history(String jdbcUrl, String prefix, String model) throws SQLException {
        return query(jdbcUrl, prefix, model, false, false);
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

    private static List<ModelSnapshot> query(String jdbcUrl, String prefix, String model, boolean latestOnly,
            boolean withParameters) throws SQLException {
        SnapshotDialect dialect = SnapshotDialect.fromUrl(jdbcUrl);
        SnapshotTables tables = SnapshotTables.of(prefix);
        List<ModelSnapshot> out = new ArrayList<>();
        try (Connection c = connectIfPresent(jdbcUrl, dialect)) {
            if (c == null || !tableExists(c, tables.snapshotTable())) {
                return out;
            }
            // One read transaction, so that headers and parameters are consistent with each other
            // while a writer commits or retires versions.
            c.setAutoCommit(false);
            try {
                if (dialect != SnapshotDialect.SQLITE) {
                    c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                }
                String sql = "SELECT " + String.join(", ", SnapshotTables.SNAPSHOT_COLUMNS) + " FROM "
                        + tables.snapshotTable() + " WHERE model = ? ORDER BY version "
                        + (latestOnly ? "DESC LIMIT 1" : "ASC");
                List<Header> headers = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, model);
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
                        + tables.parameterTable() + " WHERE model = ? AND version = ?")) {
                    for (Header h : headers) {
                        out.add(h.with(readParameters(ps, h)));
                    }
                }
            } finally {
                c.rollback();
            }
        }
        return out;
    }

    /** Header columns, parameters not yet read. */
    private record Header(ModelSnapshot s) {
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
        return new Header(new ModelSnapshot(model, generation, version, last, createdAt, rowsTrained, rowsRejected,
                preqLoss, preqAcc, holdLoss, holdAcc, holdPrecision, holdRecall, holdF1, lr, stalenessMean,
                stalenessMax, blocksDropped, updatesRefused, architecture, layerSizes,
                configHash, sourceOffsets, null));
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
        DatabaseMetaData md = c.getMetaData();
        String escape = md.getSearchStringEscape();
        for (String name : new String[] {table, table.toLowerCase(Locale.ROOT), table.toUpperCase(Locale.ROOT)}) {
            String pattern = escape == null || escape.isEmpty() ? name
                    : name.replace(escape, escape + escape).replace("_", escape + "_").replace("%", escape + "%");
            try (ResultSet rs = md.getTables(c.getCatalog(), null, pattern, new String[] {"TABLE"})) {
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
