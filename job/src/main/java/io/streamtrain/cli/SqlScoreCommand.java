package io.streamtrain.cli;

import io.streamtrain.config.SinkOptions;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.connectors.jdbc.JdbcUrls;
import io.streamtrain.connectors.jdbc.ScoringQuery;
import io.streamtrain.connectors.jdbc.SnapshotDialect;
import io.streamtrain.connectors.jdbc.SnapshotReader;
import io.streamtrain.connectors.jdbc.SnapshotTables;
import io.streamtrain.connectors.jdbc.SqlIdentifiers;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.connectors.record.NetworkSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code streamtrain sql-score}: prints one SQL query that scores every row of a table with a
 * stored version, using only joins and aggregates over the parameter table.
 */
@Command(name = "sql-score", mixinStandardHelpOptions = true,
        description = "Print one SQL query that scores every row of a table with a stored model version.")
public final class SqlScoreCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "Model id.")
    String model;

    @Option(names = "--version", description = "Version to score with. Default: the newest stored one.")
    Long version;

    @Option(names = "--dialect", description = "Database the query is for: sqlite, postgres or mariadb. Default: that of the snapshot database.")
    String dialect;

    @Option(names = "--rows-table", required = true, description = "Table of rows to score: one column per feature name of the model.")
    String rowsTable;

    @Option(names = "--id-column", required = true, description = "Column of the rows table that identifies a row.")
    String idColumn;

    @Option(names = "--url", description = "JDBC url of the snapshot database. Default: sink.url of the configuration.")
    String url;

    @Option(names = "--table-prefix", description = "Prefix of the snapshot tables. Default: sink.table-prefix of the configuration.")
    String tablePrefix;

    @Option(names = "--config", defaultValue = "config/seed.yaml", description = "Job configuration (YAML) for the sink settings. Default: ${DEFAULT-VALUE}")
    Path configFile;

    @Option(names = "--set", description = "Any configuration key, e.g. --set sink.url=jdbc:... (repeatable).")
    List<String> sets = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        StreamtrainConfig config = StreamtrainConfig.load(Files.isRegularFile(configFile) ? configFile : null,
                StreamtrainConfig.parseAssignments(sets));
        String sinkUrl = url != null ? url : config.get(SinkOptions.URL);
        String prefix = SnapshotTables.validatePrefix(tablePrefix != null ? tablePrefix : config.get(SinkOptions.TABLE_PREFIX));
        SqlIdentifiers.modelId(model, "--model");
        SnapshotDialect target = dialect == null ? SnapshotDialect.fromUrl(sinkUrl) : dialect(dialect);
        ModelSnapshot s = (version == null ? SnapshotReader.latest(sinkUrl, prefix, model)
                : SnapshotReader.version(sinkUrl, prefix, model, version))
                .orElseThrow(() -> new IllegalArgumentException("no snapshot " + model + ":"
                        + (version == null ? "latest" : version) + " in " + JdbcUrls.redact(sinkUrl)
                        + (prefix.isEmpty() ? "" : " (table prefix " + prefix + ")")));
        if (s.parameters() == null) {
            throw new IllegalArgumentException(model + ":" + s.version() + " has no parameter cells any more "
                    + "(removed by retention, sink.retain-versions); pick a version whose cells_retired is false");
        }
        NetworkSpec network = NetworkSpec.fromJson(s.architectureJson());
        spec.commandLine().getOut().println(ScoringQuery.build(target, SnapshotTables.of(prefix), model, s.version(),
                network, rowsTable, idColumn) + ";");
        spec.commandLine().getOut().flush();
        return 0;
    }

    static SnapshotDialect dialect(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "sqlite" -> SnapshotDialect.SQLITE;
            case "postgres", "postgresql" -> SnapshotDialect.POSTGRESQL;
            case "mariadb", "mysql" -> SnapshotDialect.MARIADB;
            default -> throw new IllegalArgumentException("--dialect: '" + name + "' is not sqlite, postgres or mariadb");
        };
    }
}
