package io.streamtrain.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.connectors.jdbc.SnapshotReader;
import io.streamtrain.connectors.kafka.DeadLetterSerializer;
import io.streamtrain.connectors.kafka.EmbeddedKafka;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.data.DataSet;
import io.streamtrain.data.DataSets;
import io.streamtrain.data.SeedData;
import io.streamtrain.nn.Evaluation;
import io.streamtrain.testing.TopicRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training from a user's own file, end to end: a JSON file and a CSV file with a header and named
 * columns go through a real embedded Kafka broker into the job on a MiniCluster; every good row is
 * trained, every bad one dead-lettered with its reason, and the final model is scored on the
 * held-out rows.
 */
class LocalDataFileITCase {
    private static final Path SEED_YAML = Path.of("..", "config", "seed.yaml");
    private static final int ROWS = 3000;
    private static final List<String> BAD_JSON = List.of(
            "{\"x1\": 1, \"x2\": 2}",
            "{\"x1\": 1, \"x2\": \"2\", \"y\": \"positive\"}",
            "{\"x1\": 1, \"x2\": 2, \"y\": \"maybe\"}",
            "{\"x1\": 1, \"x2\": 2, \"y\": \"positive\"",
            "[1, 2, 1]",
            "{\"x1\": 1, \"x1\": 1, \"x2\": 2, \"y\": \"negative\"}");

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @TempDir
    Path dir;

    private EmbeddedKafka kafka;

    @BeforeEach
    void startKafka() throws Exception {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        kafka.createTopics(Map.of("rows", 2, "rows.dlq", 2, "params", 1, "rows.holdout", 1));
    }

    @AfterEach
    void stopKafka() {
        kafka.close();
    }

    private StreamtrainConfig config(Map<String, String> overrides) throws Exception {
        Map<String, String> all = new HashMap<>(overrides);
        all.put("kafka.bootstrap-servers", kafka.bootstrapServers());
        all.put("sink.url", "jdbc:sqlite:" + dir.resolve("snapshots.db"));
        all.put("job.web-ui", "false");
        return StreamtrainConfig.load(SEED_YAML, all);
    }

    /** Seed rows {@code [from, from + n)} as JSON objects with class names, bad rows every 500 rows. */
    private static String jsonRows(SeedData data, int n, List<String> bad) {
        StringBuilder sb = new StringBuilder();
        float[] x = new float[2];
        for (int i = 0; i < n; i++) {
            int y = data.row(i, x, 0);
            sb.append("{\"x1\": ").append(x[0]).append(", \"id\": ").append(i).append(", \"x2\": ").append(x[1])
                    .append(", \"y\": \"").append(y == 1 ? "positive" : "negative").append("\"}\n");
            if (i % 500 == 250 && i / 500 < bad.size()) {
                sb.append(bad.get(i / 500)).append('\n');
            }
        }
        return sb.toString();
    }

    @Test
    void jsonFileWithClassNamesOverSeveralPasses() throws Exception {
        Path train = Files.writeString(dir.resolve("train.jsonl"), jsonRows(new SeedData(1), ROWS, BAD_JSON));
        Path holdout = Files.writeString(dir.resolve("holdout.jsonl"),
                jsonRows(SeedData.holdout(1), 1000, List.of("{}", "{\"x1\": 1, \"x2\": 2, \"y\": 1}")));
        StreamtrainConfig config = config(Map.of("data.generator", "file", "data.format", "json",
                "data.file", train.toString(), "data.holdout-file", holdout.toString(), "data.epochs", "2",
                "data.features", "x1;x2", "data.label", "y", "data.classes", "negative;positive"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);

        LocalRun.Result result = new LocalRun(config, dir, List.of()).run(env, Duration.ofMinutes(5));

        LocalRun.ModelResult model = result.model("seed");
        assertThat(result.rowsSent()).isEqualTo(2L * (ROWS + BAD_JSON.size()));
        assertThat(model.rowsTrained()).isEqualTo(2L * ROWS);
        assertThat(model.rowsRejected()).isEqualTo(2L * BAD_JSON.size());
        // every held-out row reaches the job's held-out topic; the 2 bad ones are dead-lettered there
        assertThat(result.holdoutRows()).isEqualTo(1002);
        assertThat(result.holdoutRejected()).isEqualTo(2);
        Evaluation scored = model.holdout();
        assertThat(scored.rows()).isEqualTo(1000);
        assertThat(scored.accuracy()).isGreaterThan(0.95);
        assertThat(scored.precision()).isGreaterThan(0.9);
        assertThat(scored.confusion(0, 0) + scored.confusion(0, 1) + scored.confusion(1, 0)
                + scored.confusion(1, 1)).isEqualTo(1000);
        // the job's held-out evaluator scored the same final version on the same rows (in float32)
        assertThat(model.finalSnapshot().holdoutAccuracy()).isCloseTo(scored.accuracy(), within(0.002));

        List<ConsumerRecord<byte[], byte[]>> letters = TopicRecords.readAll(kafka.bootstrapServers(), "rows.dlq");
        List<String> expected = new ArrayList<>(concat(BAD_JSON, BAD_JSON));
        expected.addAll(List.of("{}", "{\"x1\": 1, \"x2\": 2, \"y\": 1}"));
        assertThat(letters).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(letters).extracting(r -> new String(r.headers().lastHeader(DeadLetterSerializer.REASON).value(),
                        StandardCharsets.UTF_8))
                .contains("field 'y' is missing", "field 'x2' is a string, not a number",
                        "label 'maybe' is not one of data.classes [negative, positive]",
                        "field 'x1' appears twice", "not a JSON object: the row is an array");

        ModelSnapshot last = SnapshotReader.latest("jdbc:sqlite:" + dir.resolve("snapshots.db"), "", "seed").orElseThrow();
        assertThat(last.last()).isTrue();
        assertThat(last.rowsTrained()).isEqualTo(2L * ROWS);
        assertThat(last.rowsRejected()).isEqualTo(2L * BAD_JSON.size());
    }

    @Test
    void csvFileWithAHeaderNamedColumnsAndAHeldOutShare() throws Exception {
        StringBuilder sb = new StringBuilder("id,label,x2,note,x1\n");
        SeedData data = new SeedData(2);
        float[] x = new float[2];
        List<String> bad = List.of("7,0,1.5,n", "8,1,abc,n,0.5", "9,2,0.5,n,0.5", "10,1,0.5,n,1e9");
        for (int i = 0; i < ROWS; i++) {
            int y = data.row(i, x, 0);
            sb.append(i).append(',').append(y).append(',').append(x[1]).append(",\"a, b\",").append(x[0]).append('\n');
            if (i % 700 == 100 && i / 700 < bad.size()) {
                sb.append(bad.get(i / 700)).append('\n');
            }
        }
        Path csv = Files.writeString(dir.resolve("rows.csv"), sb.toString());
        StreamtrainConfig config = config(Map.of("data.generator", "file", "data.file", csv.toString(),
                "data.features", "x1;x2", "data.holdout-fraction", "0.2"));
        DataSet set = DataSets.open(config);
        config = DataSets.withHeader(config, set);
        // how many bad rows the seeded split put into the training share
        long badInTraining = 0;
        for (int i = 0; i < set.train().size(); i++) {
            if (bad.contains(new String(set.train().get(i), StandardCharsets.UTF_8))) {
                badInTraining++;
            }
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);

        LocalRun.Result result = new LocalRun(config, set, dir, List.of()).run(env, Duration.ofMinutes(5));

        assertThat(set.train().size() + set.holdout().size()).isEqualTo(ROWS + bad.size());
        assertThat(set.holdout().size()).isEqualTo(Math.round((ROWS + bad.size()) * 0.2));
        LocalRun.ModelResult model = result.model("seed");
        assertThat(result.rowsSent()).isEqualTo(set.train().size());
        assertThat(model.rowsRejected()).isEqualTo(badInTraining);
        assertThat(model.rowsTrained()).isEqualTo(set.train().size() - badInTraining);
        assertThat(result.holdoutRows()).isEqualTo(set.holdout().size());
        assertThat(result.holdoutRejected()).isEqualTo(bad.size() - badInTraining);
        assertThat(model.holdout().rows()).isEqualTo(set.holdout().size() - (bad.size() - badInTraining));
        // one pass over 2,400 rows: learnt, if not yet to the seed run's 0.99
        assertThat(model.holdout().accuracy()).isGreaterThan(0.9);
        assertThat(model.finalSnapshot().holdoutAccuracy()).isCloseTo(model.holdout().accuracy(), within(0.002));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
