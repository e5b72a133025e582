package io.streamtrain.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.streamtrain.config.DataOptions;
import io.streamtrain.config.JobOptions;
import io.streamtrain.config.ModelOptions;
import io.streamtrain.config.SinkOptions;
import io.streamtrain.config.StreamtrainConfig;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code streamtrain local}: the whole loop on one machine, on the embedded default. */
@Command(name = "local", mixinStandardHelpOptions = true,
        description = "Train on an embedded Kafka broker and a Flink MiniCluster, snapshots to a SQLite file.")
public final class LocalCommand implements Callable<Integer> {

    @Option(names = "--config", defaultValue = "config/seed.yaml", description = "Job configuration (YAML). Default: ${DEFAULT-VALUE}")
    Path configFile;

    @Option(names = "--rows", description = "Training rows to stream (data.rows).")
    Long rows;

    @Option(names = "--parallelism", description = "Parallelism of the job (job.parallelism).")
    Integer parallelism;

    @Option(names = "--set", description = "Any configuration key, e.g. --set optimizer.learning-rate=0.1 (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--summary-json", description = "Also write the final numbers to this JSON file.")
    Path summaryJson;

    @Option(names = "--timeout", defaultValue = "PT30M", description = "Give up (and cancel the job) after this long (ISO-8601). Default: ${DEFAULT-VALUE}")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        Map<String, String> overrides = StreamtrainConfig.parseAssignments(sets);
        if (rows != null) {
            overrides.put(DataOptions.ROWS.key(), Long.toString(rows));
        }
        if (parallelism != null) {
            overrides.put(JobOptions.PARALLELISM.key(), Integer.toString(parallelism));
        }
        StreamtrainConfig config = StreamtrainConfig.load(configFile, overrides);
        String url = config.get(SinkOptions.URL);
        Path sqliteFile = sqliteFile(url);
        if (sqliteFile != null) {
            // a local run starts from an empty database, so its snapshots are this run's alone
            Files.createDirectories(sqliteFile.toAbsolutePath().getParent());
            for (String suffix : List.of("", "-wal", "-shm")) {
                Files.deleteIfExists(Path.of(sqliteFile + suffix));
            }
        }
        long totalRows = config.get(DataOptions.ROWS);
        out.printf("streamtrain local: model '%s' %s, %,d rows, parallelism %d, config %s (hash %s)%n",
                config.get(ModelOptions.ID), config.architecture(), totalRows, config.parallelism(), configFile,
                config.hash());

        Configuration flink = new Configuration();
        flink.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        flink.set(RestOptions.ADDRESS, "127.0.0.1");
        StreamExecutionEnvironment env;
        if (config.get(JobOptions.WEB_UI)) {
            int port = freePort();
            flink.set(RestOptions.PORT, port);
            env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(flink);
            out.printf("Flink web UI: http://127.0.0.1:%d%n", port);
        } else {
            env = StreamExecutionEnvironment.createLocalEnvironment(config.parallelism(), flink);
        }
        env.setParallelism(config.parallelism());

        Path work = Files.createTempDirectory("streamtrain-local");
        LocalRun.Result result;
        try (TrainingProgress progress = new TrainingProgress(totalRows, out, TrainingProgress.stdoutIsTerminal())) {
            result = new LocalRun(config, work, List.of())
                    .onEvent(progress::event)
                    .onVersion(progress)
                    .run(env, timeout);
            progress.finish(result.rowsTrained());
        } finally {
            deleteTree(work);
        }

        out.println();
        out.printf(Locale.ROOT, "rows trained          %,d%n", result.rowsTrained());
        out.printf(Locale.ROOT, "rows rejected         %,d%n", result.rowsRejected());
        out.printf(Locale.ROOT, "versions              %,d%n", result.versions());
        out.printf(Locale.ROOT, "prequential accuracy  %.4f (loss %.4f)%n", result.prequentialAccuracy(), result.prequentialLoss());
        out.printf(Locale.ROOT, "held-out accuracy     %.4f (%,d rows)%n", result.holdoutAccuracy(), config.get(DataOptions.HOLDOUT_ROWS));
        out.printf(Locale.ROOT, "wall time             %.1f s%n", result.seconds());
        out.printf(Locale.ROOT, "rows/s                %,.0f%n", result.rowsPerSecond());
        if (sqliteFile != null) {
            String prefix = config.get(SinkOptions.TABLE_PREFIX);
            out.printf("snapshots:  sqlite3 %s \"SELECT model, version, is_final, rows_trained, "
                            + "round(prequential_accuracy, 4) AS acc FROM %smodel_snapshot ORDER BY version\"%n",
                    sqliteFile, prefix);
        } else {
            out.println("snapshots in " + url);
        }
        if (summaryJson != null) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("rows_trained", result.rowsTrained());
            json.put("rows_rejected", result.rowsRejected());
            json.put("versions", result.versions());
            json.put("prequential_accuracy", result.prequentialAccuracy());
            json.put("prequential_loss", result.prequentialLoss());
            json.put("holdout_accuracy", result.holdoutAccuracy());
            json.put("seconds", result.seconds());
            json.put("rows_per_second", result.rowsPerSecond());
            json.put("snapshot_db", sqliteFile != null ? sqliteFile.toString() : url);
            json.put("config_hash", config.hash());
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(summaryJson.toFile(), json);
        }
        return 0;
    }

    static Path sqliteFile(String url) {
        if (!url.startsWith("jdbc:sqlite:")) {
            return null;
        }
        String path = url.substring("jdbc:sqlite:".length());
        int q = path.indexOf('?');
        if (q >= 0) {
            path = path.substring(0, q);
        }
        return path.isEmpty() || path.equals(":memory:") ? null : Path.of(path);
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
