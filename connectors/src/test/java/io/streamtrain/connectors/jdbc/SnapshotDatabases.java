package io.streamtrain.connectors.jdbc;

import io.streamtrain.connectors.record.ModelSnapshot;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;

/**
 * The databases the snapshot tests run against, and test data. PostgreSQL and MariaDB default to the
 * local servers; override with STREAMTRAIN_TEST_POSTGRES_URL / STREAMTRAIN_TEST_MARIADB_URL. A
 * server that cannot be reached skips its tests loudly (never a silent pass).
 */
public final class SnapshotDatabases {

    static final String POSTGRES_URL = envOr("STREAMTRAIN_TEST_POSTGRES_URL",
            "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&connectTimeout=5");
    static final String MARIADB_URL = envOr("STREAMTRAIN_TEST_MARIADB_URL",
            "jdbc:mariadb://127.0.0.1:3306/test?user=root&connectTimeout=5000");

    /** Reachability per url, probed once per JVM: empty when reachable, else why not. */
    private static final Map<String, Optional<String>> PROBED = new ConcurrentHashMap<>();

    private SnapshotDatabases() {}

    private static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    /** A database under test: its url and a table prefix unique to this test. */
    public record Db(String name, String url, String prefix) {
        @Override
        public String toString() {
            return name;
        }

        /** Drops this test's tables and views (no-op for a SQLite file that is thrown away). */
        public void drop() throws SQLException {
            if (SnapshotDialect.fromUrl(url) == SnapshotDialect.SQLITE) {
                return;
            }
            try (Connection c = JdbcUrls.connect(url, SnapshotDialect.fromUrl(url), false)) {
                c.setAutoCommit(true);
                SnapshotTables.of(prefix).drop(c);
                try (Statement st = c.createStatement()) {
                    st.execute("DROP TABLE IF EXISTS " + prefix + "moved"); // left by a failed rename test
                    st.execute("DROP TABLE IF EXISTS " + prefix + "rows"); // rows scored by the SQL scorer tests
                }
            }
        }

        public SnapshotDialect dialect() {
            return SnapshotDialect.fromUrl(url);
        }

        public Connection connect() throws SQLException {
            return JdbcUrls.connect(url, SnapshotDialect.fromUrl(url), false);
        }

        public long count(String sql) throws SQLException {
            try (Connection c = connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    public static String uniquePrefix() {
        return "t" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffL) + "_";
    }

    public static Db sqlite(Path dir) {
        return new Db("sqlite", "jdbc:sqlite:" + dir.resolve("snapshots.db"), uniquePrefix());
    }

    /** The database named {@code kind}; skips the calling test loudly if its server is unreachable. */
    public static Db db(String kind, Path tempDir) {
        return switch (kind) {
            case "sqlite" -> sqlite(tempDir);
            case "postgresql" -> server("postgresql", POSTGRES_URL);
            case "mariadb" -> server("mariadb", MARIADB_URL);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private static Db server(String name, String url) {
        Optional<String> problem = PROBED.computeIfAbsent(url, u -> {
            try (Connection c = JdbcUrls.connect(u, SnapshotDialect.fromUrl(u), false)) {
                return c.isValid(5) ? Optional.empty() : Optional.of("connection not valid");
            } catch (SQLException | RuntimeException e) {
                return Optional.of(e.toString());
            }
        });
        if (problem.isPresent()) {
            String msg = "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
                    + "!!! SKIPPING " + name.toUpperCase() + " snapshot tests: cannot connect to "
                    + JdbcUrls.redact(url) + "\n!!! " + problem.get()
                    + "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n";
            System.err.println(msg);
            Assumptions.abort(name + " unreachable at " + JdbcUrls.redact(url) + ": " + problem.get());
        }
        return new Db(name, url, uniquePrefix());
    }

    /** 2-2-2 network: 12 parameters (W1 4, b1 2, W2 4, b2 2). */
    static final int[] LAYERS_222 = {2, 2, 2};

    static double[] parameters222(double base) {
        double[] p = new double[12];
        for (int k = 0; k < p.length; k++) {
            p[k] = base + k * 0.125 - 0.7;
        }
        return p;
    }

    static ModelSnapshot snapshot(String model, long version, boolean last, double holdoutAccuracy,
            double prequentialAccuracy, double[] parameters) {
        return new ModelSnapshot(model, 1, version, last, 1_700_000_000_000L + version, 1000 * version, version,
                0.5 / version, prequentialAccuracy, 0.6 / version, holdoutAccuracy, 0.9, 0.8, 0.847, 0.01, 1.5, 3,
                version / 2, 0,
                "{\"layers\":[2,2,2],\"activation\":\"tanh\"}", LAYERS_222, "cfg-abc123",
                "{\"rows\":{\"0\":" + (100 * version) + "}}", parameters, -1, null, -1, null, null, version % 3);
    }

    static ModelSnapshot snapshot(String model, long version) {
        return snapshot(model, version, false, 0.8, 0.7, parameters222(version));
    }

    static List<Long> versions(List<ModelSnapshot> snapshots) {
        List<Long> out = new ArrayList<>();
        for (ModelSnapshot s : snapshots) {
            out.add(s.version());
        }
        return out;
    }
}
