package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.cli.LocalRun;
import io.streamtrain.config.JobOptions;
import io.streamtrain.config.ModelSpec;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.connectors.format.ModelVersionFormat;
import io.streamtrain.connectors.jdbc.SnapshotReader;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.connectors.record.ModelVersion;
import io.streamtrain.data.SeedData;
import io.streamtrain.nn.ForwardPass;
import io.streamtrain.testing.TopicRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Model selection on a Flink MiniCluster with a real embedded Kafka broker and a SQLite file:
 * the shipped model-selection configuration's models train on one stream of rows, every snapshot
 * is scored on the held-out topic in the job, and the leaderboard view ranks every model.
 */
class ModelSelectionITCase extends LocalLoopTestBase {
    private static final Path MODEL_SELECTION_YAML = Path.of("..", "config", "model-selection.yaml");
    private static final int ROWS = 4_000;
    private static final int HOLDOUT_ROWS = 1_000;
    private static final List<String> BAD_ROWS = List.of("", "1.0,2.0", "x,1,0", "1,Infinity,1", "0.5,0.5,2");

    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = miniCluster(REPORTER);

    @Test
    void everyModelTrainsOnTheSameRowsAndIsScoredOnTheHeldOutRows() throws Exception {
        String url = snapshotUrl();
        StreamtrainConfig config = config(MODEL_SELECTION_YAML, Map.of("sink.every-versions", "10",
                "data.rows", Integer.toString(ROWS), "data.holdout-rows", Integer.toString(HOLDOUT_ROWS)));
        List<String> ids = ModelSpec.ids(config.models());
        assertThat(ids).hasSizeGreaterThanOrEqualTo(4);
        kafka.createTopics(Map.of("rows", 2, "rows.dlq", 2, "params", 1, "rows.holdout", 1));
        List<byte[]> bad = BAD_ROWS.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);

        LocalRun.Result result = new LocalRun(config, dir, bad).run(env, Duration.ofMinutes(5));

        assertThat(result.holdoutRows()).isEqualTo(HOLDOUT_ROWS);
        assertThat(result.models()).extracting(LocalRun.ModelResult::model).containsExactlyElementsOf(ids);
        float[][] holdout = SeedData.holdout(42).arrays(HOLDOUT_ROWS);
        for (ModelSpec model : config.models()) {
            LocalRun.ModelResult r = result.model(model.id());
            assertThat(r.rowsTrained()).as(model.id()).isEqualTo(ROWS);
            assertThat(r.rowsRejected()).as(model.id()).isEqualTo(BAD_ROWS.size());

            List<ModelSnapshot> snapshots = SnapshotReader.all(url, "", model.id());
            assertThat(snapshots).as(model.id()).hasSizeGreaterThan(1);
            ModelSnapshot last = snapshots.get(snapshots.size() - 1);
            assertThat(last.last()).isTrue();
            assertThat(last.rowsTrained()).isEqualTo(ROWS);
            assertThat(last.sourceOffsets()).isEqualTo("rows:0=2003,1=2002");
            assertThat(last.configHash()).isEqualTo(model.configHash());
            assertThat(last.architectureJson()).isEqualTo(model.networkSpec().toJson());
            // every snapshot, not only the final one, was scored on the whole held-out set
            assertThat(snapshots).allSatisfy(s -> {
                assertThat(s.holdoutAccuracy()).as("%s v%d", s.model(), s.version()).isBetween(0.0, 1.0);
                assertThat(s.holdoutLoss()).isFinite().isPositive();
                assertThat(s.holdoutRecall()).isBetween(0.0, 1.0);
                assertThat(s.holdoutF1()).isBetween(0.0, 1.0);
            });
            // the final snapshot's scores: held-out precision is known once some positive is predicted
            assertThat(last.holdoutPrecision()).isBetween(0.0, 1.0);
            // the job's held-out accuracy is the plain-Java scorer's on the same rows
            assertThat(last.holdoutAccuracy()).isEqualTo(
                    new ForwardPass(model.architecture(), last.parameters()).accuracy(holdout[0], holdout[1],
                            HOLDOUT_ROWS));
        }

        // the versions on the parameters topic: those of the model whose workers compute in float32
        // (ND4J, relu32x2) rounded to floats, which travel in half the bytes; those of the plain-Java
        // models (double precision) exactly the updater's parameters
        Map<String, ModelVersion> finals = new HashMap<>();
        for (var r : TopicRecords.readAll(kafka.bootstrapServers(), "params")) {
            ModelVersion v = ModelVersionFormat.decode(r.value());
            if (v.last()) {
                finals.put(v.model(), v);
            }
        }
        assertThat(finals.keySet()).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(StreamtrainJob.floatModels(config.models(), config)).containsExactly("relu32x2-rmsprop");
        for (ModelSpec model : config.models()) {
            double[] kept = SnapshotReader.all(url, "", model.id()).stream().filter(ModelSnapshot::last).findFirst()
                    .orElseThrow().parameters();
            double[] published = finals.get(model.id()).parameters();
            if (model.id().equals("relu32x2-rmsprop")) {
                assertThat(published).as(model.id()).containsExactly(ApplyOptimizer.roundedToFloats(kept));
                assertThat(published).as(model.id()).isNotEqualTo(kept);
            } else {
                assertThat(published).as(model.id()).containsExactly(kept);
            }
        }

        // the evaluator's gauges show each model's final held-out scores
        String job = config.get(JobOptions.NAME);
        Map<String, Object> accuracy = gaugeByModel(REPORTER, job, "holdout-evaluator", HoldoutMetrics.ACCURACY);
        Map<String, Object> version = gaugeByModel(REPORTER, job, "holdout-evaluator", HoldoutMetrics.VERSION);
        assertThat(accuracy.keySet()).containsExactlyInAnyOrderElementsOf(ids);
        for (String id : ids) {
            assertThat(accuracy.get(id)).isEqualTo(result.model(id).holdoutAccuracy());
            assertThat(version.get(id)).isEqualTo(result.model(id).versions());
        }

        // the leaderboard: every model once, ranked by held-out accuracy
        List<String> ranked = new ArrayList<>();
        List<Double> accuracies = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT leaderboard_rank, model, version, holdout_accuracy FROM model_leaderboard")) {
            while (rs.next()) {
                assertThat(rs.getInt(1)).isEqualTo(ranked.size() + 1);
                String model = rs.getString(2);
                ranked.add(model);
                accuracies.add(rs.getDouble(4));
                assertThat(rs.getLong(3)).isEqualTo(result.model(model).versions());
                assertThat(rs.getDouble(4)).isEqualTo(result.model(model).holdoutAccuracy());
            }
        }
        assertThat(ranked).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(accuracies).isSortedAccordingTo((a, b) -> Double.compare(b, a));
    }

    @Test
    void aMissingHeldOutTopicFailsBeforeTheJobStartsAndNamesTheKey() throws Exception {
        StreamtrainConfig config = config(MODEL_SELECTION_YAML, Map.of("kafka.holdout-topic", "no.such.topic"));
        assertThatThrownBy(() -> StreamtrainJob.fromConfig(config, kafka.bootstrapServers(), Map.of(), 0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("kafka.holdout-topic=no.such.topic: there is no such topic")
                .hasMessageContaining("set kafka.holdout-topic to empty");
    }
}
