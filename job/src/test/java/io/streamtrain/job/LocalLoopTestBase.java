package io.streamtrain.job;

import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.connectors.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.metrics.scope.ScopeFormat;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loop's fixture: a real embedded Kafka broker per test and a SQLite file in a temporary
 * folder, next to the Flink MiniCluster each test class registers with {@link #miniCluster}.
 */
abstract class LocalLoopTestBase {

    @TempDir
    Path dir;

    /**
     * A MiniCluster with two slots reporting its metrics to {@code reporter}, for a test class's
     * {@code @RegisterExtension static} field (a reporter serves one cluster only).
     */
    static MiniClusterExtension miniCluster(InMemoryReporter reporter) {
        return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
                .setConfiguration(reporter.addToConfiguration(new Configuration()))
                .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());
    }

    EmbeddedKafka kafka;

    @BeforeEach
    void startKafka() throws Exception {
        kafka = EmbeddedKafka.start(dir);
    }

    @AfterEach
    void stopKafka() {
        kafka.close();
    }

    /** The snapshot database of this test. */
    String snapshotUrl() {
        return "jdbc:sqlite:" + dir.resolve("snapshots.db");
    }

    /** {@code yaml} with {@code overrides}, pointed at this test's broker and database, without a web UI. */
    StreamtrainConfig config(Path yaml, Map<String, String> overrides) throws Exception {
        Map<String, String> all = new HashMap<>(overrides);
        all.put("kafka.bootstrap-servers", kafka.bootstrapServers());
        all.put("sink.url", snapshotUrl());
        all.put("job.web-ui", "false");
        return StreamtrainConfig.load(yaml, all);
    }

    /**
     * The value of job-level gauge {@code name} (e.g. numberOfCompletedCheckpoints) of job
     * {@code job}, 0 while it is not registered.
     */
    static long jobGauge(InMemoryReporter reporter, String job, String name) {
        long value = 0;
        for (var e : reporter.getMetricsByGroup().entrySet()) {
            Map<String, String> vars = e.getKey().getAllVariables();
            if (job.equals(vars.get(ScopeFormat.SCOPE_JOB_NAME)) && vars.get(ScopeFormat.SCOPE_OPERATOR_NAME) == null
                    && e.getValue().get(name) instanceof Gauge<?> gauge && gauge.getValue() instanceof Number n) {
                value = Math.max(value, n.longValue());
            }
        }
        return value;
    }

    /**
     * Gauge {@code name} of model {@code model} of the operators named {@code operator...} of job
     * {@code job}, per "subtask/attempt".
     */
    static Map<String, Object> gaugeBySubtaskAttempt(InMemoryReporter reporter, String job, String operator,
            String model, String name) {
        Map<String, Object> out = new HashMap<>();
        reporter.getMetricsByGroup().forEach((group, metrics) -> {
            Map<String, String> vars = group.getAllVariables();
            String op = vars.get(ScopeFormat.SCOPE_OPERATOR_NAME);
            if (job.equals(vars.get(ScopeFormat.SCOPE_JOB_NAME)) && op != null && op.startsWith(operator)
                    && model.equals(vars.get("<model>")) && metrics.get(name) instanceof Gauge<?> gauge) {
                out.put(vars.get(ScopeFormat.SCOPE_TASK_SUBTASK_INDEX) + "/"
                        + vars.get(ScopeFormat.SCOPE_TASK_ATTEMPT_NUM), gauge.getValue());
            }
        });
        return out;
    }

    /** The value of gauge {@code name} of every model of the operators named {@code operator...} of job {@code job}. */
    static Map<String, Object> gaugeByModel(InMemoryReporter reporter, String job, String operator, String name) {
        Map<String, Object> out = new HashMap<>();
        reporter.getMetricsByGroup().forEach((group, metrics) -> {
            Map<String, String> vars = group.getAllVariables();
            String op = vars.get(ScopeFormat.SCOPE_OPERATOR_NAME);
            String model = vars.get("<model>");
            if (job.equals(vars.get(ScopeFormat.SCOPE_JOB_NAME)) && op != null && op.startsWith(operator)
                    && model != null && metrics.get(name) instanceof Gauge<?> gauge) {
                out.put(model, gauge.getValue());
            }
        });
        return out;
    }
}
