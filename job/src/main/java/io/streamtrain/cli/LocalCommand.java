package io.streamtrain.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.streamtrain.config.DataOptions;
import io.streamtrain.config.JobOptions;
import io.streamtrain.config.KafkaOptions;
import io.streamtrain.config.ModelOptions;
import io.streamtrain.config.ModelSpec;
import io.streamtrain.config.SinkOptions;
import io.streamtrain.config.StartPoint;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.connectors.jdbc.SnapshotDialect;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.data.DataSet;
import io.streamtrain.data.DataSets;
import io.streamtrain.nn.Evaluation;
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

    @Option(names = "--rows", description = "Training rows per pass (data.rows).")
    Long rows;

    @Option(names = "--data", paramLabel = "FILE",
            description = "Train on this CSV or JSON file instead of the configured data set (data.generator=file, "
                    + "data.file); .json/.jsonl/.ndjson files are JSON unless data.format is set.")
    Path dataFile;

    @Option(names = "--holdout", paramLabel = "FILE",
            description = "Score the models on this file (data.holdout-file); without it a seeded "
                    + "data.holdout-fraction of --data is held out.")
    Path holdoutFile;

    @Option(names = "--epochs", description = "Passes over the training rows (data.epochs).")
    Integer epochs;

    @Option(names = "--parallelism", description = "Parallelism of the job (job.parallelism).")
    Integer parallelism;

    @Option(names = "--set", description = "Any configuration key, e.g. --set optimizer.learning-rate=0.1 (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--init-from", description = "Warm start from a stored snapshot, MODEL:VERSION or MODEL:latest "
            + "(model.init-from). With a models list, MODEL is the listed model to start from its own stored version; "
            + "repeatable, or MODEL:VERSION;MODEL:VERSION.")
    List<String> initFrom = new ArrayList<>();

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
        if (epochs != null) {
            overrides.put(DataOptions.EPOCHS.key(), Integer.toString(epochs));
        }
        if (holdoutFile != null) {
            if (dataFile == null) {
                throw new IllegalArgumentException("--holdout goes with --data");
            }
            overrides.put(DataOptions.HOLDOUT_FILE.key(), holdoutFile.toString());
        }
        if (dataFile != null) {
            overrides.put(DataOptions.GENERATOR.key(), "file");
            overrides.put(DataOptions.FILE.key(), dataFile.toString());
        }
        if (!initFrom.isEmpty()) {
            overrides.put(ModelOptions.INIT_FROM.key(), String.join(";", initFrom));
        }
        StreamtrainConfig config = StreamtrainConfig.load(configFile, overrides);
        if (dataFile != null) {
            // the file's name may give its format, its header the column names
            config = DataSets.forFile(config, dataFile);
        }
        DataSet data = DataSets.open(config);
        config = DataSets.withHeader(config, data);
        String url = config.get(SinkOptions.URL);
        Path sqliteFile = sqliteFile(url);
        if (sqliteFile != null && !config.warmStarts()) {
            // a cold local run starts from an empty SQLite file, so its snapshots are this run's alone
            // (a warm start keeps it, and a server database is left as it is: there every model
            // continues after its stored versions)
            Files.createDirectories(sqliteFile.toAbsolutePath().getParent());
            for (String suffix : List.of("", "-wal", "-shm")) {
                Files.deleteIfExists(Path.of(sqliteFile + suffix));
            }
        }
        long perPass = config.get(DataOptions.ROWS) == 0 ? data.train().size()
                : Math.min(config.get(DataOptions.ROWS), data.train().size());
        long totalRows = perPass * config.get(DataOptions.EPOCHS);
        List<ModelSpec> models = config.models();
        if (models.size() == 1) {
            out.printf("streamtrain local: model '%s' %s, %s, %,d rows, parallelism %d, config %s (hash %s)%n",
                    models.get(0).id(), models.get(0).architecture(), models.get(0).optimizer(), totalRows,
                    config.parallelism(), configFile, config.hash());
        } else {
            out.printf("streamtrain local: %d models %s, %,d rows, parallelism %d, config %s (hash %s)%n",
                    models.size(), ModelSpec.ids(models), totalRows, config.parallelism(), configFile, config.hash());
        }

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
        try (TrainingProgress progress = new TrainingProgress(totalRows, models.size(), out,
                TrainingProgress.stdoutIsTerminal())) {
            result = new LocalRun(config, data, work, List.of())
                    .onEvent(progress::event)
                    .onVersion(progress)
                    .run(env, timeout);
            progress.finish(result.models().get(0).rowsTrained());
        } finally {
            deleteTree(work);
        }

        out.println();
        printSummary(out, result, config);
        if (summaryJson != null) {
            writeJson(result, config, sqliteFile);
        }
        return 0;
    }

    private void printSummary(PrintStream out, LocalRun.Result result, StreamtrainConfig config) {
        String url = config.get(SinkOptions.URL);
        Path sqliteFile = sqliteFile(url);
        String prefix = config.get(SinkOptions.TABLE_PREFIX);
        List<LocalRun.ModelResult> models = result.models();
        LocalRun.ModelResult first = models.get(0);
        out.printf(Locale.ROOT, "rows trained          %,d%n", first.rowsTrained());
        out.printf(Locale.ROOT, "rows rejected         %,d%n", first.rowsRejected());
        if (models.size() == 1) {
            ModelSnapshot s = first.finalSnapshot();
            if (continues(first)) {
                out.printf(Locale.ROOT, "versions              %,d (%s)%n", first.versions(), timeline(first));
            } else {
                out.printf(Locale.ROOT, "versions              %,d%n", first.versions());
            }
            if (s.blocksDropped() > 0 || s.updatesRefused() > 0 || s.divergences() > 0) {
                // rows read but not trained on: say where they went, with the setting behind each
                out.printf(Locale.ROOT, "not trained on        %,d blocks dropped as stale (training.max-staleness), "
                        + "%,d updates refused as not finite, %,d divergences (training.divergence-factor)%n",
                        s.blocksDropped(), s.updatesRefused(), s.divergences());
            }
            out.printf(Locale.ROOT, "prequential accuracy  %.4f (loss %.4f)%n", first.prequentialAccuracy(),
                    first.prequentialLoss());
            Evaluation h = first.holdout();
            String rejected = result.holdoutRejected() == 0 ? ""
                    : String.format(Locale.ROOT, "; %,d more did not parse", result.holdoutRejected());
            if (result.holdoutRows() > 0) {
                out.printf(Locale.ROOT, "held-out accuracy     %.4f (loss %.4f, %,d rows%s)%n", s.holdoutAccuracy(),
                        s.holdoutLoss(), h != null ? h.rows() : result.holdoutRows(), rejected);
                if (Double.isFinite(s.holdoutPrecision()) || Double.isFinite(s.holdoutRecall())) {
                    out.printf(Locale.ROOT, "held-out class 1      precision %.4f, recall %.4f, F1 %.4f%n",
                            s.holdoutPrecision(), s.holdoutRecall(), s.holdoutF1());
                }
            } else if (h != null) {
                // no held-out topic: the job did not score, the final parameters were scored here
                out.printf(Locale.ROOT, "held-out accuracy     %.4f (loss %.4f, %,d rows%s)%n", h.accuracy(), h.loss(),
                        h.rows(), rejected);
                if (Double.isFinite(h.precision()) || Double.isFinite(h.recall())) {
                    out.printf(Locale.ROOT, "held-out class 1      precision %.4f, recall %.4f, F1 %.4f%n",
                            h.precision(), h.recall(), h.f1());
                }
            } else {
                out.printf("held-out accuracy     none (no held-out rows: %s%s)%n", DataOptions.HOLDOUT_ROWS.key(),
                        rejected);
            }
            if (h != null && h.classes() > 0) {
                out.print(confusionTable(h, DataSets.classNames(config, h.classes())));
            }
        } else {
            out.printf(Locale.ROOT, "held-out rows         %,d%n", result.holdoutRows());
            int idWidth = Math.max(5, models.stream().mapToInt(m -> m.model().length()).max().orElse(0));
            int archWidth = Math.max(6, models.stream().mapToInt(m -> m.architecture().length()).max().orElse(0));
            int optWidth = Math.max(9, models.stream().mapToInt(m -> m.optimizer().length()).max().orElse(0));
            String row = "%-" + idWidth + "s  %-" + archWidth + "s  %-" + optWidth + "s  %8s  %11s  %8s%n";
            out.printf(Locale.ROOT, row, "model", "layers", "optimizer", "versions", "prequential", "held-out");
            for (LocalRun.ModelResult m : models) {
                out.printf(Locale.ROOT, row, m.model(), m.architecture(), m.optimizer(),
                        String.format(Locale.ROOT, "%,d", m.versions()),
                        String.format(Locale.ROOT, "%.4f", m.prequentialAccuracy()),
                        String.format(Locale.ROOT, "%.4f", m.holdoutAccuracy()));
            }
            for (LocalRun.ModelResult m : models) {
                if (continues(m)) {
                    out.printf(Locale.ROOT, "%-" + idWidth + "s  %s%n", m.model(), timeline(m));
                }
            }
        }
        out.printf(Locale.ROOT, "wall time             %.1f s%n", result.seconds());
        out.printf(Locale.ROOT, "rows/s                %,.0f%n", result.rowsPerSecond());
        if (sqliteFile == null) {
            boolean postgres = SnapshotDialect.fromUrl(url) == SnapshotDialect.POSTGRESQL;
            String query = models.size() == 1
                    ? String.format("SELECT model, version, generation, is_final, rows_trained, round(%s, 4) AS acc "
                            + "FROM %smodel_snapshot WHERE model = '%s' ORDER BY version",
                            numeric("prequential_accuracy", postgres), prefix, first.model())
                    : String.format("SELECT leaderboard_rank, model, version, round(%s, 4) AS holdout_acc, "
                            + "round(%s, 4) AS preq_acc FROM %smodel_leaderboard",
                            numeric("holdout_accuracy", postgres), numeric("prequential_accuracy", postgres), prefix);
            String where = StreamtrainConfig.redact(url);
            out.println(postgres ? "snapshots:  psql \"" + where.substring("jdbc:".length()) + "\" -c \"" + query + "\""
                    : "snapshots in " + where + ":  " + query);
        } else if (models.size() == 1) {
            out.printf("snapshots:  sqlite3 %s \"SELECT model, version, is_final, rows_trained, "
                            + "round(prequential_accuracy, 4) AS acc, round(holdout_accuracy, 4) AS holdout_acc "
                            + "FROM %smodel_snapshot ORDER BY version\"%n", sqliteFile, prefix);
        } else {
            out.printf("leaderboard:  sqlite3 -header %s \"SELECT leaderboard_rank, model, version, "
                            + "round(holdout_accuracy, 4) AS holdout_acc, round(prequential_accuracy, 4) AS preq_acc "
                            + "FROM %smodel_leaderboard\"%n", sqliteFile, prefix);
        }
    }

    /** Whether the model did not start as version 0 of a new model: a warm start, or after stored versions. */
    private static boolean continues(LocalRun.ModelResult m) {
        return m.start().warm() || m.start().version() > 0;
    }

    /** E.g. {@code v41 to v60, generation 1, from seed:20}. */
    private static String timeline(LocalRun.ModelResult m) {
        StartPoint start = m.start();
        return String.format(Locale.ROOT, "v%d to v%d, generation %d, %s", start.version() + 1,
                m.finalSnapshot().version(), m.finalSnapshot().generation(),
                start.warm() ? "from " + start.parentModel() + ":" + start.parentVersion() : "after the stored versions");
    }

    /** PostgreSQL rounds numerics only: a double precision column is cast for round(x, 4). */
    private static String numeric(String column, boolean postgres) {
        return postgres ? column + "::numeric" : column;
    }

    private void writeJson(LocalRun.Result result, StreamtrainConfig config, Path sqliteFile) throws java.io.IOException {
        LocalRun.ModelResult first = result.models().get(0);
        Map<String, Object> json = new LinkedHashMap<>(modelJson(first));
        json.remove("model");
        json.put("holdout_rows", result.holdoutRows());
        json.put("holdout_rejected", result.holdoutRejected());
        json.put("rows_sent", result.rowsSent());
        json.put("seconds", result.seconds());
        json.put("rows_per_second", result.rowsPerSecond());
        json.put("snapshot_db", sqliteFile != null ? sqliteFile.toString()
                : StreamtrainConfig.redact(config.get(SinkOptions.URL)));
        json.put("config_hash", config.hash());
        json.put("models", result.models().stream().map(LocalCommand::modelJson).toList());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(summaryJson.toFile(), json);
    }

    private static Map<String, Object> modelJson(LocalRun.ModelResult m) {
        ModelSnapshot s = m.finalSnapshot();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", m.model());
        json.put("architecture", m.architecture());
        json.put("optimizer", m.optimizer());
        json.put("rows_trained", m.rowsTrained());
        json.put("rows_rejected", m.rowsRejected());
        json.put("versions", m.versions());
        json.put("final_version", s.version());
        json.put("generation", s.generation());
        json.put("init_from", m.start().warm() ? m.start().parentModel() + ":" + m.start().parentVersion() : null);
        json.put("prequential_accuracy", m.prequentialAccuracy());
        json.put("prequential_loss", m.prequentialLoss());
        json.put("holdout_accuracy", s.holdoutAccuracy());
        json.put("holdout_loss", s.holdoutLoss());
        json.put("holdout_precision", s.holdoutPrecision());
        json.put("holdout_recall", s.holdoutRecall());
        json.put("holdout_f1", s.holdoutF1());
        Evaluation h = m.holdout();
        if (h != null && h.classes() > 0) {
            // the final parameters scored after the run, [actual][predicted]
            int k = h.classes();
            long[][] counts = new long[k][k];
            for (int a = 0; a < k; a++) {
                for (int p = 0; p < k; p++) {
                    counts[a][p] = h.confusion(a, p);
                }
            }
            json.put("confusion_matrix", counts);
        }
        return json;
    }

    /** The confusion matrix as a table: a row per actual class, a column per predicted class. */
    static String confusionTable(Evaluation m, List<String> names) {
        int k = m.classes();
        String[] labels = new String[k];
        int width = 7;
        for (int c = 0; c < k; c++) {
            String name = names.get(c);
            labels[c] = name.length() > 12 ? name.substring(0, 12) : name;
            width = Math.max(width, labels[c].length() + 1);
            for (int p = 0; p < k; p++) {
                width = Math.max(width, Long.toString(m.confusion(c, p)).length() + 1);
            }
        }
        StringBuilder sb = new StringBuilder("confusion matrix      (rows: actual class, columns: predicted class)\n");
        sb.append(String.format(Locale.ROOT, "  %-12s", ""));
        for (int c = 0; c < k; c++) {
            sb.append(String.format(Locale.ROOT, "%" + width + "s", labels[c]));
        }
        sb.append('\n');
        for (int a = 0; a < k; a++) {
            sb.append(String.format(Locale.ROOT, "  %-12s", labels[a]));
            for (int p = 0; p < k; p++) {
                sb.append(String.format(Locale.ROOT, "%" + width + "d", m.confusion(a, p)));
            }
            sb.append('\n');
        }
        return sb.toString();
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
