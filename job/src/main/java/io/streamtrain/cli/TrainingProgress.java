package io.streamtrain.cli;

import io.streamtrain.connectors.record.ModelVersion;
import java.io.PrintStream;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.DoubleSummaryStatistics;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.InteractiveConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The progress line of {@code local}: rows trained, elapsed time and ETA, rows/s, prequential
 * loss and accuracy, and the version, from the versions read back from the parameters topic.
 *
 * <p>In a terminal it is one progress bar redrawn in place twice a second; otherwise (output piped
 * or redirected to a file) the same line is printed as a plain new line every few seconds, so a
 * log file gets readable lines instead of carriage returns. The bar starts with the first
 * version, so its rows/s is the training rate alone, not the start-up. With several models the
 * line follows the model furthest behind and shows the range of their prequential accuracies.
 */
final class TrainingProgress implements Consumer<ModelVersion>, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingProgress.class);
    static final int TERMINAL_INTERVAL_MILLIS = 500;
    static final int PLAIN_INTERVAL_MILLIS = 5_000;
    /** Width of a plain line; in a terminal the bar takes the terminal's width. */
    static final int PLAIN_WIDTH = 110;
    /** The percentage and "rows/total" of a rendered line. */
    private static final Pattern COUNT = Pattern.compile("(\\d+%).*?(\\d+/\\d+)");

    private final long totalRows;
    private final int models;
    private final PrintStream out;
    private final boolean terminal;
    /** The newest version of each model seen so far. */
    private final Map<String, ModelVersion> latest = new HashMap<>();
    private ProgressBar bar;
    private String lastPlainCount;

    /** @param terminal whether {@code out} is a terminal that the bar can be redrawn in */
    TrainingProgress(long totalRows, PrintStream out, boolean terminal) {
        this(totalRows, 1, out, terminal);
    }

    /**
     * @param models the number of models trained; the line shows the rows of the one furthest behind
     * @param terminal whether {@code out} is a terminal that the bar can be redrawn in
     */
    TrainingProgress(long totalRows, int models, PrintStream out, boolean terminal) {
        this.totalRows = totalRows;
        this.models = models;
        this.out = out;
        this.terminal = terminal;
    }

    /** True when standard input and output are a terminal. */
    static boolean stdoutIsTerminal() {
        return System.console() != null;
    }

    /** A one-line message about the run: printed, unless it would break the bar drawn in place. */
    synchronized void event(String message) {
        if (bar != null && terminal) {
            LOG.info(message);
        } else {
            out.println("  " + message);
        }
    }

    @Override
    public synchronized void accept(ModelVersion v) {
        if (bar == null) {
            bar = start();
        }
        latest.put(v.model(), v);
        if (models == 1) {
            bar.stepTo(Math.min(v.rowsTrained(), totalRows));
            // accuracy first: a terminal narrower than the line cuts its end
            bar.setExtraMessage(String.format(Locale.ROOT, " acc %.4f loss %.4f v%d", v.prequentialAccuracy(),
                    v.prequentialLoss(), v.version()));
            return;
        }
        // a model not heard from yet has trained nothing
        long slowest = latest.size() < models ? 0
                : latest.values().stream().mapToLong(ModelVersion::rowsTrained).min().orElse(0);
        bar.stepTo(Math.min(slowest, totalRows));
        DoubleSummaryStatistics acc = latest.values().stream().mapToDouble(ModelVersion::prequentialAccuracy)
                .filter(Double::isFinite).summaryStatistics();
        bar.setExtraMessage(acc.getCount() == 0 ? "" : String.format(Locale.ROOT, " acc %.4f-%.4f, %d models",
                acc.getMin(), acc.getMax(), models));
    }

    /** Shows the final count and ends the bar. */
    synchronized void finish(long rowsTrained) {
        if (bar != null) {
            bar.stepTo(Math.min(rowsTrained, totalRows));
        }
        close();
    }

    @Override
    public synchronized void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    private ProgressBar start() {
        ProgressBarConsumer consumer = terminal
                ? new InteractiveConsoleProgressBarConsumer(out)
                : new DelegatingProgressBarConsumer(this::printPlain, PLAIN_WIDTH);
        ProgressBarBuilder builder = new ProgressBarBuilder()
                .setTaskName("train")
                .setInitialMax(totalRows)
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(consumer)
                .setUnit(" rows", 1)
                .showSpeed(new DecimalFormat("#,##0", DecimalFormatSymbols.getInstance(Locale.ROOT)));
        if (terminal) {
            builder.setUpdateIntervalMillis(TERMINAL_INTERVAL_MILLIS).continuousUpdate();
        } else {
            builder.setUpdateIntervalMillis(PLAIN_INTERVAL_MILLIS);
        }
        return builder.build();
    }

    /**
     * Prints a line only when the progress changed: the bar renders its last state again on
     * close, with a later elapsed time, which would repeat the 100% line. (The percentage is part
     * of the key because a render racing an update can pair an old percentage with a new count.)
     */
    private void printPlain(String line) {
        Matcher m = COUNT.matcher(line);
        String count = m.find() ? m.group(1) + " " + m.group(2) : line;
        if (!count.equals(lastPlainCount)) {
            out.println(line);
            lastPlainCount = count;
        }
    }
}
