package io.streamtrain.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.connectors.jdbc.SnapshotWriter;
import io.streamtrain.connectors.record.ModelSnapshot;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code streamtrain report} on a small SQLite snapshot table: the PNG it writes, and its errors. */
class ReportCommandTest {
    private static final String SEED_YAML = Path.of("..", "config", "seed.yaml").toString();
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final int[] LAYERS = {2, 2, 2};

    @TempDir
    Path dir;

    private String url;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void writeSnapshots() throws Exception {
        url = "jdbc:sqlite:" + dir.resolve("snapshots.db");
        try (SnapshotWriter w = SnapshotWriter.open(url, "", 0)) {
            for (int v = 1; v <= 12; v++) {
                // "fast" learns faster; only "slow" has held-out scores, on every third snapshot
                w.write(snapshot("fast", v, 0.5 + 0.45 * (1 - Math.exp(-v / 2.0)), Double.NaN));
                w.write(snapshot("slow", v, 0.5 + 0.4 * (1 - Math.exp(-v / 5.0)),
                        v % 3 == 0 ? 0.52 + 0.4 * (1 - Math.exp(-v / 5.0)) : Double.NaN));
            }
        }
    }

    private static ModelSnapshot snapshot(String model, long version, double accuracy, double holdoutAccuracy) {
        return new ModelSnapshot(model, 0, version, version == 12, 1_700_000_000_000L + version, 1_000 * version, 0,
                1 - accuracy, accuracy, 1.05 - holdoutAccuracy, holdoutAccuracy, Double.NaN, Double.NaN, Double.NaN,
                0.1, 0, 0, 0, 0, "{}", LAYERS, "hash", "rows:0=" + version, new double[12]);
    }

    private int report(String... args) {
        CommandLine cmd = new CommandLine(new ReportCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 4];
        all[0] = "--config";
        all[1] = SEED_YAML;
        all[2] = "--set";
        all[3] = "sink.url=" + url;
        System.arraycopy(args, 0, all, 4, args.length);
        return cmd.execute(all);
    }

    @Test
    void rendersEveryModelAsAPngOfTheRequestedSize() throws Exception {
        Path png = dir.resolve("charts").resolve("models.png");

        assertThat(report("--output", png.toString(), "--width", "900", "--height", "700")).isZero();

        assertThat(out.toString()).contains("wrote " + png, "2 model(s), 24 snapshots");
        assertThat(Files.readAllBytes(png)).startsWith(PNG_SIGNATURE);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(900);
        assertThat(image.getHeight()).isEqualTo(700);
    }

    @Test
    void rendersOneModel() throws Exception {
        Path png = dir.resolve("slow.png");

        assertThat(report("--model", "slow", "--output", png.toString())).isZero();

        assertThat(out.toString()).contains("1 model(s), 12 snapshots");
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(1200);
        assertThat(image.getHeight()).isEqualTo(900);
    }

    @Test
    void anUnknownModelNamesTheStoredOnes() {
        assertThat(report("--model", "nope", "--output", dir.resolve("x.png").toString())).isNotZero();

        assertThat(err.toString()).contains("no snapshots of model 'nope'", "stored models: fast, slow");
        assertThat(dir.resolve("x.png")).doesNotExist();
    }

    @Test
    void anEmptyDatabaseSaysSo() {
        url = "jdbc:sqlite:" + dir.resolve("empty.db");

        assertThat(report("--output", dir.resolve("x.png").toString())).isNotZero();

        assertThat(err.toString()).contains("no snapshots in jdbc:sqlite:");
    }
}
