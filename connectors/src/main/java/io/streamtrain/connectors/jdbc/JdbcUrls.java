package io.streamtrain.connectors.jdbc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

/** JDBC url helpers shared by the snapshot writer and reader: redaction, credentials, connecting. */
public final class JdbcUrls {

    /** Environment variable with the database user, used when the url names none. */
    public static final String USER_ENV = "STREAMTRAIN_JDBC_USER";

    /** Environment variable with the database password, used when the url carries none. */
    public static final String PASSWORD_ENV = "STREAMTRAIN_JDBC_PASSWORD";

    /** SQLite busy timeout: how long a statement waits for another connection's lock. */
    static final int SQLITE_BUSY_TIMEOUT_MS = 10_000;

    private static final Pattern USERINFO_PASSWORD = Pattern.compile("(//[^/@:?&;]*:)[^@/?&;]*@");
    private static final Pattern PASSWORD_PARAM =
            Pattern.compile("(?i)([?&;]\\s*(?:[a-z._-]*password|pwd)\\s*=)[^&;]*");

    private JdbcUrls() {}

    /**
     * The url with every password replaced by {@code ***}: {@code password=}, {@code pwd=} and
     * {@code *password=} parameters, and the {@code user:password@} form. Use it for every url that
     * goes into a log line or an exception message.
     */
    public static String redact(String jdbcUrl) {
        if (jdbcUrl == null) {
            return null;
        }
        String s = USERINFO_PASSWORD.matcher(jdbcUrl).replaceAll("$1***@");
        return PASSWORD_PARAM.matcher(s).replaceAll("$1***");
    }

    /** True when the url's query string (after '?', separated by '&' or ';') sets {@code key}. */
    static boolean hasParameter(String jdbcUrl, String key) {
        int q = jdbcUrl.indexOf('?');
        if (q < 0) {
            return false;
        }
        for (String part : jdbcUrl.substring(q + 1).split("[&;]")) {
            int eq = part.indexOf('=');
            String name = (eq < 0 ? part : part.substring(0, eq)).trim();
            if (name.equalsIgnoreCase(key)) {
                return true;
            }
        }
        return false;
    }

    /** True when the url carries a {@code user[:password]@} part after {@code //}. */
    private static boolean hasUserInfo(String jdbcUrl) {
        int slashes = jdbcUrl.indexOf("//");
        if (slashes < 0) {
            return false;
        }
        int at = jdbcUrl.indexOf('@', slashes + 2);
        if (at < 0) {
            return false;
        }
        int end = jdbcUrl.indexOf('/', slashes + 2);
        int q = jdbcUrl.indexOf('?', slashes + 2);
        return (end < 0 || at < end) && (q < 0 || at < q);
    }

    /**
     * The SQLite database file a {@code jdbc:sqlite:} url names, if it names one ({@code :memory:}
     * and {@code file::memory:} urls do not).
     */
    static Optional<Path> sqliteFile(String jdbcUrl) {
        String s = jdbcUrl.trim().substring("jdbc:sqlite:".length());
        if (s.toLowerCase(Locale.ROOT).contains("mode=memory")) {
            return Optional.empty();
        }
        int q = s.indexOf('?');
        if (q >= 0) {
            s = s.substring(0, q);
        }
        if (s.regionMatches(true, 0, "file:", 0, 5)) {
            s = s.substring(5);
            if (s.startsWith("///")) {
                s = s.substring(2);
            } else if (s.startsWith("//")) {
                // file://host/path: only an empty or "localhost" host is meaningful
                int slash = s.indexOf('/', 2);
                s = slash < 0 ? "" : s.substring(slash);
            }
        }
        if (s.isEmpty() || s.contains(":memory:")) {
            return Optional.empty();
        }
        return Optional.of(Paths.get(s));
    }

    /**
     * Opens a connection through the dialect's driver directly (not DriverManager, which does not see
     * drivers in a Flink user-code class loader reliably).
     *
     * <p>User and password come from the url, or from {@value #USER_ENV} / {@value #PASSWORD_ENV}
     * when the url has none and the variables are set. PostgreSQL gets {@code reWriteBatchedInserts}
     * unless the url decides. SQLite gets a busy timeout; a writing SQLite connection also gets its
     * parent directories created, WAL journal mode and {@code synchronous=NORMAL}. (Transactions stay
     * DEFERRED: sqlite-jdbc begins the next transaction right after each commit, and an IMMEDIATE one
     * would hold the write lock between snapshots; a deferred one holds nothing until its first
     * statement, which in SnapshotWriter is a write, so concurrent writers still just queue on the
     * busy timeout.)
     */
    static Connection connect(String jdbcUrl, SnapshotDialect dialect, boolean forWriting) throws SQLException {
        Properties props = new Properties();
        if (dialect == SnapshotDialect.SQLITE) {
            if (forWriting) {
                Optional<Path> file = sqliteFile(jdbcUrl);
                if (file.isPresent()) {
                    Path parent = file.get().toAbsolutePath().getParent();
                    if (parent != null) {
                        try {
                            Files.createDirectories(parent);
                        } catch (IOException e) {
                            throw new SQLException("cannot create the directory " + parent
                                    + " for the SQLite database " + redact(jdbcUrl) + ": " + e, e);
                        }
                    }
                }
            }
        } else {
            String user = System.getenv(USER_ENV);
            if (user != null && !user.isEmpty() && !hasParameter(jdbcUrl, "user") && !hasUserInfo(jdbcUrl)) {
                props.setProperty("user", user);
            }
            String password = System.getenv(PASSWORD_ENV);
            if (password != null && !hasParameter(jdbcUrl, "password") && !hasUserInfo(jdbcUrl)) {
                props.setProperty("password", password);
            }
            if (dialect == SnapshotDialect.POSTGRESQL && !hasParameter(jdbcUrl, "reWriteBatchedInserts")) {
                props.setProperty("reWriteBatchedInserts", "true");
            }
        }
        Driver driver = driver(dialect);
        Connection c = driver.connect(dialect.driverUrl(jdbcUrl), props);
        if (c == null) {
            throw new SQLException("the JDBC driver " + dialect.driverClass() + " does not accept the url "
                    + redact(jdbcUrl));
        }
        if (dialect == SnapshotDialect.SQLITE) {
            try (Statement st = c.createStatement()) {
                st.execute("PRAGMA busy_timeout=" + SQLITE_BUSY_TIMEOUT_MS);
                if (forWriting) {
                    st.execute("PRAGMA journal_mode=WAL");
                    st.execute("PRAGMA synchronous=NORMAL");
                }
            } catch (SQLException e) {
                closeQuietly(c, e);
                throw e;
            }
        }
        return c;
    }

    private static Driver driver(SnapshotDialect dialect) throws SQLException {
        try {
            Class<?> cls = Class.forName(dialect.driverClass(), true, JdbcUrls.class.getClassLoader());
            return (Driver) cls.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new SQLException("the JDBC driver " + dialect.driverClass() + " for " + dialect
                    + " is not on the class path: " + e, e);
        }
    }

    static void closeQuietly(AutoCloseable c, Throwable into) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            if (into != null && into != e) {
                into.addSuppressed(e);
            }
        }
    }
}
