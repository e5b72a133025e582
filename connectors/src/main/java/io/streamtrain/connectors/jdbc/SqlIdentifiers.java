package io.streamtrain.connectors.jdbc;

import java.util.regex.Pattern;

/**
 * The validation of every name that ends up inside SQL text: model ids, column and table names.
 * Values never do (they are bound parameters); names cannot be bound, so they are restricted to
 * characters that need no quoting in any of the three dialects.
 */
public final class SqlIdentifiers {

    /**
     * Model ids: letters and digits (any script), underscore, dot and hyphen, starting with a letter,
     * digit or underscore, at most {@value SnapshotDialect#MAX_KEY_LENGTH} characters. No quotes,
     * blanks, backslashes or colons ({@code MODEL:VERSION} names a snapshot).
     */
    private static final Pattern MODEL_ID =
            Pattern.compile("[\\p{L}\\p{N}_][\\p{L}\\p{N}_.-]{0," + (SnapshotDialect.MAX_KEY_LENGTH - 1) + "}");

    /** Column names: a plain SQL identifier (PostgreSQL folds it to lower case, as it does in queries). */
    private static final Pattern COLUMN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    /** Table names: a plain identifier, optionally qualified by one schema (database) name. */
    private static final Pattern TABLE = Pattern.compile("([A-Za-z_][A-Za-z0-9_]{0,62}\\.)?[A-Za-z_][A-Za-z0-9_]{0,62}");

    private SqlIdentifiers() {}

    /**
     * Returns {@code id} when it is a valid model id.
     *
     * @param key the setting or option it came from, named in the error
     * @throws IllegalArgumentException naming {@code key} otherwise
     */
    public static String modelId(String id, String key) {
        if (id == null || !MODEL_ID.matcher(id).matches()) {
            throw new IllegalArgumentException(key + ": invalid model id '" + abbreviate(id) + "': use letters, digits, "
                    + "'_', '.' and '-' (starting with a letter, digit or '_'), at most "
                    + SnapshotDialect.MAX_KEY_LENGTH + " characters");
        }
        return id;
    }

    /** Returns {@code name} when it is a plain SQL identifier; else throws naming {@code key}. */
    public static String column(String name, String key) {
        if (name == null || !COLUMN.matcher(name).matches()) {
            throw new IllegalArgumentException(key + ": '" + abbreviate(name) + "' is not a plain SQL column name "
                    + "(letters, digits and '_', not starting with a digit, at most 63 characters)");
        }
        return name;
    }

    /** Returns {@code name} when it is a plain, optionally schema-qualified, table name; else throws naming {@code key}. */
    public static String table(String name, String key) {
        if (name == null || !TABLE.matcher(name).matches()) {
            throw new IllegalArgumentException(key + ": '" + abbreviate(name) + "' is not a plain SQL table name "
                    + "(letters, digits and '_', optionally schema.table)");
        }
        return name;
    }

    /** A model id as an SQL string literal; the id is validated first, so it holds no quote. */
    static String modelLiteral(String id) {
        return "'" + modelId(id, "model id") + "'";
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "null";
        }
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }
}
