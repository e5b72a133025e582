package io.streamtrain.connectors.jdbc;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The SQL differences between the databases the snapshot tables can live in. */
public enum SnapshotDialect {

    /** SQLite 3.24+ (file database; the default). */
    SQLITE("org.sqlite.JDBC", "REAL", "INTEGER", "TEXT", "TEXT", "", "CREATE VIEW IF NOT EXISTS"),

    /** PostgreSQL 9.5+. */
    POSTGRESQL("org.postgresql.Driver", "DOUBLE PRECISION", "BOOLEAN", "TEXT", "TEXT", "",
            "CREATE OR REPLACE VIEW"),

    /**
     * MariaDB 10.3+ (and MySQL 8; {@code jdbc:mysql:} urls are served by the MariaDB driver). Key
     * columns are {@code VARCHAR(200)} because InnoDB cannot index unbounded text, with a binary
     * collation so that model names are case-sensitive as in SQLite and PostgreSQL.
     */
    MARIADB("org.mariadb.jdbc.Driver", "DOUBLE", "BOOLEAN",
            "VARCHAR(" + SnapshotDialect.MAX_KEY_LENGTH + ") CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
            "LONGTEXT", " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4", "CREATE OR REPLACE VIEW");

    /** Longest model name any dialect can key on. */
    public static final int MAX_KEY_LENGTH = 200;

    private final String driverClass;
    private final String doubleType;
    private final String booleanType;
    private final String keyTextType;
    private final String textType;
    private final String tableOptions;
    private final String createView;

    SnapshotDialect(String driverClass, String doubleType, String booleanType, String keyTextType,
            String textType, String tableOptions, String createView) {
        this.driverClass = driverClass;
        this.doubleType = doubleType;
        this.booleanType = booleanType;
        this.keyTextType = keyTextType;
        this.textType = textType;
        this.tableOptions = tableOptions;
        this.createView = createView;
    }

    /**
     * The dialect for a JDBC url: {@code jdbc:sqlite:}, {@code jdbc:postgresql:}, {@code jdbc:mariadb:}
     * or {@code jdbc:mysql:}.
     *
     * @throws IllegalArgumentException for any other (or a null) url, naming its scheme
     */
    public static SnapshotDialect fromUrl(String jdbcUrl) {
        if (jdbcUrl == null || jdbcUrl.isBlank()) {
            throw new IllegalArgumentException("no JDBC url given; expected jdbc:sqlite:, jdbc:postgresql:, "
                    + "jdbc:mariadb: or jdbc:mysql:");
        }
        String lower = jdbcUrl.trim().toLowerCase(Locale.ROOT);
        if (lower.startsWith("jdbc:sqlite:")) {
            return SQLITE;
        }
        if (lower.startsWith("jdbc:postgresql:")) {
            return POSTGRESQL;
        }
        if (lower.startsWith("jdbc:mariadb:") || lower.startsWith("jdbc:mysql:")) {
            return MARIADB;
        }
        throw new IllegalArgumentException("unsupported JDBC url scheme '" + scheme(jdbcUrl)
                + "' for the snapshot sink; expected jdbc:sqlite:, jdbc:postgresql:, jdbc:mariadb: or jdbc:mysql:");
    }

    private static final java.util.regex.Pattern SCHEME =
            java.util.regex.Pattern.compile("^(?i:jdbc:)?[A-Za-z][A-Za-z0-9+.-]{0,30}:");

    /** The {@code jdbc:xxx:} part of a url, never anything after it (credentials). */
    static String scheme(String jdbcUrl) {
        java.util.regex.Matcher m = SCHEME.matcher(jdbcUrl.trim());
        return m.find() ? m.group() : "(no scheme)";
    }

    /** Fully qualified class name of the JDBC driver for this dialect. */
    public String driverClass() {
        return driverClass;
    }

    /** Column type for a 64-bit float. */
    public String doubleType() {
        return doubleType;
    }

    /** Column type for a 64-bit integer. */
    public String bigintType() {
        return "BIGINT";
    }

    /** Column type for a 32-bit integer. */
    public String intType() {
        return this == MARIADB ? "INT" : "INTEGER";
    }

    /** Column type for a flag (SQLite stores 0/1 integers). */
    public String booleanType() {
        return booleanType;
    }

    /** Column type for text that is part of a primary key. */
    public String keyTextType() {
        return keyTextType;
    }

    /** Column type for unbounded text. */
    public String textType() {
        return textType;
    }

    /** Column type for binary data of up to a few MiB. */
    public String blobType() {
        return switch (this) {
            case SQLITE -> "BLOB";
            case POSTGRESQL -> "BYTEA";
            case MARIADB -> "LONGBLOB";
        };
    }

    /** The value of a flag column in SQL text (SQLite stores 0/1 integers). */
    public String booleanLiteral(boolean value) {
        if (this == SQLITE) {
            return value ? "1" : "0";
        }
        return value ? "TRUE" : "FALSE";
    }

    /** Column type for the one-letter tensor name ('W' or 'b'). */
    public String tensorType() {
        return "CHAR(1)";
    }

    /** Appended after the closing parenthesis of CREATE TABLE (storage engine and charset on MariaDB). */
    public String tableOptions() {
        return tableOptions;
    }

    /** {@code CREATE VIEW IF NOT EXISTS} or {@code CREATE OR REPLACE VIEW}. */
    public String createViewPrefix() {
        return createView;
    }

    /**
     * Full upsert statement: insert {@code columns} (all bound as {@code ?}) into {@code table}, and on
     * a conflict on {@code keyColumns} overwrite every other column.
     */
    public String upsert(String table, List<String> columns, List<String> keyColumns) {
        String insert = "INSERT INTO " + table + " (" + String.join(", ", columns) + ") VALUES ("
                + columns.stream().map(c -> "?").collect(Collectors.joining(", ")) + ")";
        List<String> updated = columns.stream().filter(c -> !keyColumns.contains(c)).toList();
        if (this == MARIADB) {
            return insert + " ON DUPLICATE KEY UPDATE "
                    + updated.stream().map(c -> c + " = VALUES(" + c + ")").collect(Collectors.joining(", "));
        }
        return insert + " ON CONFLICT (" + String.join(", ", keyColumns) + ") DO UPDATE SET "
                + updated.stream().map(c -> c + " = excluded." + c).collect(Collectors.joining(", "));
    }

    /**
     * The url the driver of this dialect accepts: MariaDB Connector/J 3 refuses {@code jdbc:mysql:}
     * unless told to, so such urls are handed over as {@code jdbc:mariadb:}.
     */
    String driverUrl(String jdbcUrl) {
        String s = jdbcUrl.trim();
        if (this == MARIADB && s.regionMatches(true, 0, "jdbc:mysql:", 0, "jdbc:mysql:".length())) {
            return "jdbc:mariadb:" + s.substring("jdbc:mysql:".length());
        }
        return s;
    }
}
