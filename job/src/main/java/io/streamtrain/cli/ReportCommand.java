package io.streamtrain.cli;

import io.streamtrain.config.SinkOptions;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.connectors.jdbc.JdbcUrls;
import io.streamtrain.connectors.jdbc.SnapshotReader;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.report.PlotLearningCurves;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code streamtrain report}: a PNG chart of the learning curves stored in the snapshot table. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Render the loss and accuracy of stored snapshots against rows trained as a PNG chart.")
public final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "ID",
            description = "Model to plot (repeatable). Default: every model in the snapshot table.")
    List<String> models = new ArrayList<>();

    @Option(names = "--all", description = "Plot every model in the snapshot table (the default without --model).")
    boolean all;

    @Option(names = "--config", defaultValue = "config/seed.yaml",
            description = "Job configuration (YAML) naming the snapshot database. Default: ${DEFAULT-VALUE}")
    Path configFile;

    @Option(names = "--set", description = "Any configuration key, e.g. --set sink.url=jdbc:postgresql://... (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--output", paramLabel = "FILE", description = "PNG to write. Default: data/report-<model>.png")
    Path output;

    @Option(names = "--width", defaultValue = "1200", description = "Width in pixels. Default: ${DEFAULT-VALUE}")
    int width;

    @Option(names = "--height", defaultValue = "900", description = "Height in pixels. Default: ${DEFAULT-VALUE}")
    int height;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        StreamtrainConfig config = StreamtrainConfig.load(configFile, StreamtrainConfig.parseAssignments(sets));
        String url = config.get(SinkOptions.URL);
        String prefix = config.get(SinkOptions.TABLE_PREFIX);
        if (all && !models.isEmpty()) {
            throw new IllegalArgumentException("give either --all or --model, not both");
        }
        List<String> stored = SnapshotReader.models(url, prefix);
        List<String> wanted = models.isEmpty() ? stored : models;
        if (wanted.isEmpty()) {
            throw new IllegalArgumentException("no snapshots in " + JdbcUrls.redact(url) + " (table "
                    + prefix + "model_snapshot): train a model first, or point sink.url at its database");
        }
        Map<String, List<ModelSnapshot>> histories = new LinkedHashMap<>();
        for (String model : wanted) {
            List<ModelSnapshot> history = SnapshotReader.history(url, prefix, model);
            if (history.isEmpty()) {
                throw new IllegalArgumentException("no snapshots of model '" + model + "' in " + JdbcUrls.redact(url)
                        + "; stored models: " + (stored.isEmpty() ? "none" : String.join(", ", stored)));
            }
            histories.put(model, history);
        }
        Path png = output != null ? output
                : Path.of("data", "report-" + (histories.size() == 1 ? safe(wanted.get(0)) : "models") + ".png");
        new PlotLearningCurves(width, height).render(histories, png);
        int snapshots = histories.values().stream().mapToInt(List::size).sum();
        out.printf(Locale.ROOT, "wrote %s (%d x %d px): %d model(s), %d snapshots from %s%n", png, width, height,
                histories.size(), snapshots, JdbcUrls.redact(url));
        out.flush();
        return 0;
    }

    /** A model id as a file name part. */
    private static String safe(String model) {
        return model.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
