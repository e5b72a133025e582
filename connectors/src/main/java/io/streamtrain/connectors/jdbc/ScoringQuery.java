package io.streamtrain.connectors.jdbc;

import io.streamtrain.connectors.record.NetworkSpec;
import java.util.List;
import java.util.Locale;

/**
 * Writes one SQL query that scores every row of a table with a stored version, using only joins
 * and aggregates over the parameter cells: the forward pass of the dense network, layer by layer.
 *
 * <pre>
 *   a0(id, i, v)   one row per (row, input unit): the feature columns unpivoted
 *   z_l(id, j, s)  = SUM over i of a_{l-1}(id, i) * W_l[i][j]   (a join on i, grouped by (id, j))
 *   a_l(id, j, v)  = f(z_l + b_l[j])                             (f per layer, as CASE expressions)
 * </pre>
 *
 * and a final pivot to one row per id: {@code id, predicted_class, p_0 .. p_{K-1}} for classifiers
 * (softmax or sigmoid outputs; a single sigmoid unit gives {@code p_0 = 1 - p, p_1 = p}), or
 * {@code id, y_0 .. y_{K-1}} for an identity (regression) output. Softmax subtracts each row's
 * largest logit first; sigmoid and tanh take the branch that cannot overflow; {@code EXP} of less
 * than -700 is taken as 0 (PostgreSQL raises an error on underflow, the true value is below 1e-304),
 * so the query runs for any input. Only SQL every dialect has: CTEs, joins, SUM/MAX/MIN, CASE, EXP.
 */
public final class ScoringQuery {

    /** Below this, EXP is 0 in the query (see the class comment). */
    static final int EXP_FLOOR = -700;

    private ScoringQuery() {}

    /**
     * The query.
     *
     * @param dialect the database it will run on
     * @param tables the snapshot tables (their prefix)
     * @param model the model id (validated; inlined as a literal so the query runs as printed)
     * @param version the version whose cells score
     * @param network the architecture and feature names of that version
     * @param rowsTable the table of rows to score, with one column per feature name
     * @param idColumn its column that identifies a row
     * @throws IllegalArgumentException for an invalid model id, table or column name, or an activation
     *     the scorer does not know
     */
    public static String build(SnapshotDialect dialect, SnapshotTables tables, String model, long version,
            NetworkSpec network, String rowsTable, String idColumn) {
        String modelLiteral = SqlIdentifiers.modelLiteral(model);
        SqlIdentifiers.table(rowsTable, "--rows-table");
        SqlIdentifiers.column(idColumn, "--id-column");
        List<String> features = network.features();
        for (String f : features) {
            SqlIdentifiers.column(f, "feature name");
        }
        int[] sizes = network.layers();
        int layers = sizes.length - 1;
        String output = network.output().toLowerCase(Locale.ROOT);
        StringBuilder q = new StringBuilder();
        q.append("-- scores every row of ").append(rowsTable).append(" with ").append(model).append(" v").append(version)
                .append(" (").append(network.toJson()).append("), ").append(dialect).append('\n');
        q.append("WITH\n");
        q.append("p AS (SELECT layer, tensor, i, j, value FROM ").append(tables.parameterTable())
                .append(" WHERE model = ").append(modelLiteral).append(" AND version = ").append(version).append("),\n");
        q.append("a0 AS (");
        for (int k = 0; k < features.size(); k++) {
            q.append(k == 0 ? "" : "\n  UNION ALL ").append("SELECT ").append(idColumn).append(" AS id, ").append(k)
                    .append(" AS i, ").append(features.get(k)).append(" AS v FROM ").append(rowsTable);
        }
        q.append("),\n");
        for (int l = 1; l <= layers; l++) {
            String prev = "a" + (l - 1);
            q.append("z").append(l).append(" AS (SELECT a.id, w.j, SUM(a.v * w.value) AS s FROM ").append(prev)
                    .append(" a JOIN p w ON w.layer = ").append(l).append(" AND w.tensor = 'W' AND w.i = a.i")
                    .append(" GROUP BY a.id, w.j),\n");
            q.append("h").append(l).append(" AS (SELECT z.id, z.j AS i, z.s + b.value AS s FROM z").append(l)
                    .append(" z JOIN p b ON b.layer = ").append(l).append(" AND b.tensor = 'b' AND b.i = 0 AND b.j = z.j),\n");
            if (l < layers) {
                q.append("a").append(l).append(" AS (SELECT id, i, ")
                        .append(activation(network.hidden(), "s")).append(" AS v FROM h").append(l).append("),\n");
            }
        }
        String last = "h" + layers;
        int k = sizes[layers];
        switch (output) {
            case "softmax" -> {
                q.append("m AS (SELECT id, MAX(s) AS s FROM ").append(last).append(" GROUP BY id),\n");
                q.append("e AS (SELECT h.id, h.i, ").append(exp("h.s - m.s")).append(" AS e FROM ").append(last)
                        .append(" h JOIN m ON m.id = h.id),\n");
                q.append("t AS (SELECT id, SUM(e) AS e FROM e GROUP BY id),\n");
                q.append("o AS (SELECT e.id, e.i, e.e / t.e AS v FROM e JOIN t ON t.id = e.id)\n");
                classes(q, k, false);
            }
            case "sigmoid" -> {
                q.append("o AS (SELECT id, i, ").append(activation("sigmoid", "s")).append(" AS v FROM ").append(last)
                        .append(")\n");
                classes(q, k, k == 1);
            }
            case "identity" -> {
                q.append("o AS (SELECT id, i, s AS v FROM ").append(last).append(")\n");
                q.append("SELECT o.id AS id");
                for (int j = 0; j < k; j++) {
                    q.append(", MAX(CASE WHEN o.i = ").append(j).append(" THEN o.v END) AS y_").append(j);
                }
                q.append("\nFROM o GROUP BY o.id ORDER BY o.id");
            }
            default -> throw new IllegalArgumentException("the SQL scorer has no output activation '" + output + "'");
        }
        return q.toString();
    }

    /** The pivot of classifier outputs, with the arg-max (first of ties, as the Java scorer). */
    private static void classes(StringBuilder q, int k, boolean singleSigmoid) {
        q.append("SELECT o.id AS id, ");
        if (singleSigmoid) {
            q.append("CASE WHEN MAX(o.v) > 0.5 THEN 1 ELSE 0 END AS predicted_class, 1 - MAX(o.v) AS p_0, MAX(o.v) AS p_1")
                    .append("\nFROM o GROUP BY o.id ORDER BY o.id");
            return;
        }
        q.append("c.predicted_class");
        for (int j = 0; j < k; j++) {
            q.append(", MAX(CASE WHEN o.i = ").append(j).append(" THEN o.v END) AS p_").append(j);
        }
        q.append("\nFROM o JOIN (SELECT o2.id, MIN(o2.i) AS predicted_class FROM o o2")
                .append(" JOIN (SELECT id, MAX(v) AS v FROM o GROUP BY id) mx ON mx.id = o2.id AND o2.v = mx.v")
                .append(" GROUP BY o2.id) c ON c.id = o.id")
                .append("\nGROUP BY o.id, c.predicted_class ORDER BY o.id");
    }

    /** {@code f(x)} as an SQL expression over the column (or expression) {@code x}. */
    static String activation(String name, String x) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "relu" -> "CASE WHEN " + x + " > 0 THEN " + x + " ELSE 0 END";
            case "identity" -> x;
            // 1 / (1 + e^-x), through e^x / (1 + e^x) below 0 so that e^(-x) cannot overflow
            case "sigmoid" -> "CASE WHEN " + x + " >= 0 THEN 1 / (1 + " + exp("-(" + x + ")") + ") ELSE "
                    + exp(x) + " / (1 + " + exp(x) + ") END";
            // tanh x = (1 - e^-2x) / (1 + e^-2x) for x >= 0, and its mirror below
            case "tanh" -> "CASE WHEN " + x + " >= 0 THEN (1 - " + exp("-2 * (" + x + ")") + ") / (1 + "
                    + exp("-2 * (" + x + ")") + ") ELSE (" + exp("2 * (" + x + ")") + " - 1) / (" + exp("2 * (" + x + ")")
                    + " + 1) END";
            default -> throw new IllegalArgumentException("the SQL scorer has no hidden activation '" + name + "'");
        };
    }

    /** EXP(x), 0 below {@link #EXP_FLOOR}; x is at most 0 wherever it is used. */
    private static String exp(String x) {
        return "CASE WHEN " + x + " < " + EXP_FLOOR + " THEN 0 ELSE EXP(" + x + ") END";
    }
}
