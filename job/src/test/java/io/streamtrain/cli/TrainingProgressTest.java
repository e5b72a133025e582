package io.streamtrain.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.connectors.record.ModelVersion;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The progress line of {@code local} when the output is not a terminal: plain lines, nothing redrawn. */
class TrainingProgressTest {

    private static ModelVersion version(long version, long rows, double lossSum, long correct, boolean last) {
        return new ModelVersion("seed", 0, version, last, rows, 0, lossSum, correct, 0, new int[0], new long[0],
                new double[0]);
    }

    @Test
    void printsPlainLinesWithRowsSpeedLossAccuracyAndVersion() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        try (TrainingProgress progress = new TrainingProgress(1_000, out, false)) {
            progress.event("before the first version");
            progress.accept(version(1, 128, 128 * 0.5, 96, false));
            progress.event("generator sent 1000 rows");
            progress.accept(version(8, 1_000, 1_000 * 0.25, 900, true));
            progress.finish(1_000);
        }

        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(text).doesNotContain("\r", "\u001b");
        List<String> lines = text.lines().toList();
        assertThat(lines.get(0)).isEqualTo("  before the first version");
        assertThat(lines).contains("  generator sent 1000 rows");
        String last = lines.get(lines.size() - 1);
        assertThat(last).startsWith("train 100% [").contains("1000/1000 rows (", "rows/s",
                " acc 0.9000 loss 0.2500 v8");
        assertThat(last.length()).isLessThanOrEqualTo(TrainingProgress.PLAIN_WIDTH);
        // the bar renders its final state again on close: printed once
        assertThat(lines).filteredOn(l -> l.startsWith("train 100% ")).hasSize(1);
    }
}
