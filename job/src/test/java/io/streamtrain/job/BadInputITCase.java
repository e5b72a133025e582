package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.cli.LocalRun;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.connectors.jdbc.SnapshotReader;
import io.streamtrain.connectors.kafka.DeadLetterSerializer;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.data.DataSet;
import io.streamtrain.data.Rows;
import io.streamtrain.data.SeedData;
import io.streamtrain.testing.BadRowCorpus;
import io.streamtrain.testing.BadRowCorpus.Entry;
import io.streamtrain.testing.BadRowCorpus.Format;
import io.streamtrain.testing.TopicRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The bad-row corpus streamed between good seed rows through the whole loop (embedded Kafka,
 * MiniCluster, SQLite): every bad row reaches the dead-letter topic byte for byte with its source
 * position and reason, the snapshot counts are exact, and the model learns as if they were not there.
 */
class BadInputITCase extends LocalLoopTestBase {
    private static final Path SEED_YAML = Path.of("..", "config", "seed.yaml");
    private static final int GOOD_ROWS = 100_000;
    private static final int HOLDOUT_ROWS = 10_000;
    private static final int PARTITIONS = 2;

    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster(REPORTER);

    /** Seed row {@code i} of {@code data} in the format. */
    private static byte[] seedRow(Format format, SeedData data, int i) {
        float[] x = new float[2];
        int y = data.row(i, x, 0);
        String text = format == Format.CSV
                ? x[0] + "," + x[1] + "," + y
                : "{\"x1\": " + x[0] + ", \"x2\": " + x[1] + ", \"label\": " + y + "}";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Rows seedRows(Format format, SeedData data, int n) {
        List<byte[]> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            rows.add(seedRow(format, data, i));
        }
        return Rows.of(rows);
    }

    @ParameterizedTest
    @EnumSource(value = Format.class, names = {"CSV", "JSON"})
    void everyBadRowIsADeadLetterAndTheModelLearnsFromTheRest(Format format) throws Exception {
        List<Entry> bad = BadRowCorpus.entries(format, "seed");
        Map<String, String> overrides = new HashMap<>(Map.of(
                "data.max-row-bytes", Integer.toString(BadRowCorpus.MAX_ROW_BYTES),
                "data.max-abs-value", Double.toString(BadRowCorpus.MAX_ABS_VALUE),
                "data.shuffle", "false",
                "data.rows", "0",
                "data.holdout-rows", Integer.toString(HOLDOUT_ROWS),
                "kafka.partitions", Integer.toString(PARTITIONS)));
        if (format == Format.JSON) {
            overrides.put("data.format", "json");
            overrides.put("data.features", "x1;x2");
            overrides.put("data.label", "label");
        }
        StreamtrainConfig config = config(SEED_YAML, overrides);
        kafka.createTopics(Map.of("rows", PARTITIONS, "rows.dlq", PARTITIONS, "params", 1, "rows.holdout", 1));

        // the good rows in order, a bad row after every (GOOD_ROWS / bad rows) of them; row i goes
        // to partition i mod 2 at offset i / 2, so every bad row's position is known
        List<byte[]> train = new ArrayList<>();
        Map<String, Entry> badAt = new HashMap<>();
        Rows good = seedRows(format, new SeedData(42), GOOD_ROWS);
        int every = GOOD_ROWS / bad.size();
        int next = 0;
        for (int i = 0; i < GOOD_ROWS; i++) {
            train.add(good.get(i));
            if ((i + 1) % every == 0 && next < bad.size()) {
                int position = train.size();
                badAt.put(position % PARTITIONS + "@" + position / PARTITIONS, bad.get(next++));
                train.add(bad.get(next - 1).row());
            }
        }
        assertThat(badAt).hasSize(bad.size());
        DataSet data = new DataSet("seed rows with the " + format + " bad-row corpus", Rows.of(train),
                seedRows(format, SeedData.holdout(42), HOLDOUT_ROWS), List.of());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);

        LocalRun.Result result = new LocalRun(config, data, dir, List.of()).run(env, Duration.ofMinutes(8));

        // exact counts, in the run's result and in the snapshot table
        LocalRun.ModelResult seed = result.model("seed");
        assertThat(result.rowsSent()).isEqualTo(GOOD_ROWS + bad.size());
        assertThat(result.holdoutRejected()).isZero();
        assertThat(seed.rowsTrained()).isEqualTo(GOOD_ROWS);
        assertThat(seed.rowsRejected()).isEqualTo(bad.size());
        ModelSnapshot last = SnapshotReader.latest(snapshotUrl(), "", "seed").orElseThrow();
        assertThat(last.last()).isTrue();
        assertThat(last.rowsTrained()).isEqualTo(GOOD_ROWS);
        assertThat(last.rowsRejected()).isEqualTo(bad.size());
        assertThat(last.updatesRefused()).isZero();
        assertThat(last.divergences()).isZero();
        long half = (GOOD_ROWS + bad.size()) / PARTITIONS;
        assertThat(last.sourceOffsets()).isEqualTo("rows:0=" + (half + (GOOD_ROWS + bad.size()) % 2) + ",1=" + half);
        // the model is finite and learned the seed task despite the bad rows
        for (double p : last.parameters()) {
            assertThat(Double.isFinite(p)).as("every parameter is finite").isTrue();
        }
        assertThat(last.holdoutAccuracy()).isGreaterThanOrEqualTo(0.99);

        // every bad row, and nothing else, is on the dead-letter topic: byte for byte, with its
        // source topic, partition and offset, and its reason
        List<ConsumerRecord<byte[], byte[]>> letters = TopicRecords.readAll(kafka.bootstrapServers(), "rows.dlq");
        assertThat(letters).hasSize(bad.size());
        Map<String, ConsumerRecord<byte[], byte[]>> byPosition = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> letter : letters) {
            assertThat(header(letter, DeadLetterSerializer.SOURCE_TOPIC)).isEqualTo("rows");
            String position = header(letter, DeadLetterSerializer.SOURCE_PARTITION) + "@"
                    + header(letter, DeadLetterSerializer.SOURCE_OFFSET);
            assertThat(byPosition.put(position, letter)).as("one dead letter at " + position).isNull();
        }
        assertThat(byPosition.keySet()).isEqualTo(badAt.keySet());
        badAt.forEach((position, entry) -> {
            ConsumerRecord<byte[], byte[]> letter = byPosition.get(position);
            assertThat(letter.value()).as(entry.kind()).isEqualTo(entry.row());
            assertThat(header(letter, DeadLetterSerializer.REASON)).as(entry.kind()).contains(entry.reason());
        });
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        assertThat(h).as("header " + name).isNotNull();
        return new String(h.value(), StandardCharsets.UTF_8);
    }
}
