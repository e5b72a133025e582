package io.streamtrain.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.connectors.jdbc.SnapshotDatabaseTestBase;
import io.streamtrain.connectors.jdbc.SnapshotDatabases.Db;
import io.streamtrain.connectors.jdbc.SnapshotReader;
import io.streamtrain.connectors.jdbc.SnapshotWriter;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.connectors.record.NetworkSpec;
import io.streamtrain.nn.Architecture;
import io.streamtrain.nn.ForwardPass;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * {@code sql-score} against the Java forward pass: on 1,000 rows, the query printed for each
 * database, run on that database, predicts the same class for every row and gives probabilities
 * (or regression values) within 1e-9 of a double-precision forward pass over the stored values.
 * Networks: the seed network of seed.yaml, and two-hidden-layer networks covering every hidden
 * activation (relu, tanh, sigmoid, identity) and output (softmax, sigmoid, identity).
 */
class SqlScoreITCase extends SnapshotDatabaseTestBase {
    private static final Path SEED_YAML = Path.of("..", "config", "seed.yaml");
    private static final int ROWS = 1000;
    private static final double TOLERANCE = 1e-9;

    static Stream<Arguments> cases() {
        List<Map<String, String>> networks = List.of(
                Map.of(), // seed.yaml: 2-2-2 relu/softmax
                Map.of("model.layers", "4;8;6;3", "model.hidden-activation", "tanh",
                        "model.feature-names", "height;weight;age;income"),
                Map.of("model.layers", "3;6;5;1", "model.hidden-activation", "sigmoid", "model.output", "sigmoid"),
                Map.of("model.layers", "3;5;4;2", "model.hidden-activation", "identity", "model.output", "identity",
                        "model.loss", "mse"));
        List<Arguments> out = new ArrayList<>();
        for (String kind : List.of("sqlite", "postgresql", "mariadb")) {
            for (Map<String, String> n : networks) {
                out.add(Arguments.of(kind, n));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void theQueryScoresLikeTheJavaForwardPass(String kind, Map<String, String> network) throws Exception {
        Db db = db(kind);
        Map<String, String> settings = new HashMap<>(network);
        settings.put("model.id", "scored-net");
        StreamtrainConfig config = StreamtrainConfig.load(SEED_YAML, settings);
        Architecture arch = config.architecture();
        NetworkSpec spec = config.networkSpec();
        Random random = new Random(11);
        double[] p = new double[arch.parameterCount()];
        for (int k = 0; k < p.length; k++) {
            p[k] = random.nextGaussian();
        }
        double[] other = p.clone();
        other[0] += 1; // version 42 differs: the query must pick the version asked for
        try (SnapshotWriter w = SnapshotWriter.open(db.url(), db.prefix(), 0)) {
            w.write(new ModelSnapshot("scored-net", 0, 41, false, 1, 1, 0, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0, 0, 0,
                    0, spec.toJson(), arch.sizes(), config.hash(), "", p));
            w.write(new ModelSnapshot("scored-net", 0, 42, false, 1, 1, 0, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0, 0, 0,
                    0, spec.toJson(), arch.sizes(), config.hash(), "", other));
        }
        float[] x = rows(db, spec, random);

        StringWriter printed = new StringWriter();
        int exit = new CommandLine(new SqlScoreCommand()).setOut(new PrintWriter(printed)).execute(
                "--model", "scored-net", "--version", "41", "--dialect", kind.equals("postgresql") ? "postgres" : kind,
                "--rows-table", db.prefix() + "rows", "--id-column", "row_id", "--url", db.url(),
                "--table-prefix", db.prefix());
        assertThat(exit).isZero();
        String query = printed.toString().trim();
        assertThat(query).contains("version = 41").endsWith(";");

        // what the forward pass sees: the values as stored
        double[] stored = SnapshotReader.version(db.url(), db.prefix(), "scored-net", 41).orElseThrow().parameters();
        ForwardPass java = new ForwardPass(arch, stored);
        int k = arch.outputs();
        int rows = 0;
        try (Connection c = db.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(query.substring(0, query.length() - 1))) {
            while (rs.next()) {
                int id = rs.getInt("id");
                int offset = (id - 1) * arch.inputs();
                double[] expected = java.outputs(x, offset).clone();
                if (arch.isClassifier()) {
                    assertThat(rs.getInt("predicted_class")).as("row %d", id).isEqualTo(java.predict(x, offset));
                    if (k == 1) {
                        assertThat(rs.getDouble("p_1")).as("row %d", id).isCloseTo(expected[0], within(TOLERANCE));
                        assertThat(rs.getDouble("p_0")).as("row %d", id).isCloseTo(1 - expected[0], within(TOLERANCE));
                    } else {
                        for (int j = 0; j < k; j++) {
                            assertThat(rs.getDouble("p_" + j)).as("row %d p_%d", id, j)
                                    .isCloseTo(expected[j], within(TOLERANCE));
                        }
                    }
                } else {
                    // regression values are not bounded: 1e-9 relative to their size
                    for (int j = 0; j < k; j++) {
                        assertThat(rs.getDouble("y_" + j)).as("row %d y_%d", id, j)
                                .isCloseTo(expected[j], within(TOLERANCE * Math.max(1, Math.abs(expected[j]))));
                    }
                }
                rows++;
            }
        }
        assertThat(rows).isEqualTo(ROWS);
    }

    /**
     * Creates the rows table (row_id, one DOUBLE column per feature) with 1,000 rows of float values
     * (so the Java pass, which reads floats, sees exactly what SQL sees), the last ten extreme.
     */
    private static float[] rows(Db db, NetworkSpec spec, Random random) throws SQLException {
        int n = spec.inputs();
        float[] x = new float[ROWS * n];
        for (int r = 0; r < ROWS; r++) {
            for (int i = 0; i < n; i++) {
                x[r * n + i] = (float) (random.nextGaussian() * (r >= ROWS - 10 ? 400 : 2));
            }
        }
        String table = db.prefix() + "rows";
        StringBuilder ddl = new StringBuilder("CREATE TABLE " + table + " (row_id BIGINT NOT NULL PRIMARY KEY");
        StringBuilder insert = new StringBuilder("INSERT INTO " + table + " (row_id");
        for (String f : spec.features()) {
            ddl.append(", ").append(f).append(' ').append(db.dialect().doubleType());
            insert.append(", ").append(f);
        }
        insert.append(") VALUES (?").append(", ?".repeat(n)).append(')');
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute(ddl.append(')').toString());
            }
            try (PreparedStatement ps = c.prepareStatement(insert.toString())) {
                for (int r = 0; r < ROWS; r++) {
                    ps.setLong(1, r + 1);
                    for (int i = 0; i < n; i++) {
                        ps.setDouble(i + 2, x[r * n + i]);
                    }
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
        }
        return x;
    }
}
