package io.streamtrain.job;

import io.streamtrain.connectors.record.ModelSnapshot;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/**
 * The held-out evaluator's Flink metrics: the held-out rows received, and per model
 * ({@code model=<id>}) the version of the newest snapshot scored with its held-out loss and
 * accuracy (NaN until a snapshot of the model has been scored in this run of the operator).
 */
final class HoldoutMetrics {
    static final String ROWS = "holdoutRows";
    static final String VERSION = "holdoutVersion";
    static final String LOSS = "holdoutLoss";
    static final String ACCURACY = "holdoutAccuracy";

    private final MetricGroup group;
    private final Map<String, ModelMetrics> models = new HashMap<>();
    private volatile long rows;

    HoldoutMetrics(MetricGroup group) {
        this.group = group;
        group.gauge(ROWS, (Gauge<Long>) () -> rows);
    }

    void rowsReceived(long total) {
        rows = total;
    }

    void scored(ModelSnapshot s) {
        ModelMetrics m = models.computeIfAbsent(s.model(), id -> new ModelMetrics(group.addGroup("model", id)));
        m.version = s.version();
        m.loss = s.holdoutLoss();
        m.accuracy = s.holdoutAccuracy();
    }

    /** Plain copies of the newest scores: written on the task thread, read by reporters. */
    private static final class ModelMetrics {
        volatile long version;
        volatile double loss = Double.NaN;
        volatile double accuracy = Double.NaN;

        ModelMetrics(MetricGroup g) {
            g.gauge(VERSION, (Gauge<Long>) () -> version);
            g.gauge(LOSS, (Gauge<Double>) () -> loss);
            g.gauge(ACCURACY, (Gauge<Double>) () -> accuracy);
        }
    }
}
