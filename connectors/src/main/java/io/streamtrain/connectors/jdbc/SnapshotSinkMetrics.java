package io.streamtrain.connectors.jdbc;

import io.streamtrain.connectors.record.ModelSnapshot;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The snapshot sink's Flink metrics, one group per model ({@code model=<id>}): the newest version
 * written, and the snapshot lag of every snapshot, from the updater producing the version to its
 * transaction being committed (a histogram, in milliseconds).
 */
public final class SnapshotSinkMetrics {
    public static final String SNAPSHOT_VERSION = "snapshotVersion";
    public static final String SNAPSHOT_LAG_MILLIS = "snapshotLagMillis";
    /** Samples the histogram keeps for its quantiles (the latest ones). */
    static final int HISTOGRAM_WINDOW = 10_000;

    private final MetricGroup group;
    private final Map<String, ModelMetrics> models = new HashMap<>();

    /** @param group the sink writer's group; null (tests without Flink) records nothing */
    SnapshotSinkMetrics(MetricGroup group) {
        this.group = group;
    }

    /** {@code snapshot} has just been committed. */
    void written(ModelSnapshot snapshot) {
        if (group == null) {
            return;
        }
        ModelMetrics m = models.computeIfAbsent(snapshot.model(), id -> new ModelMetrics(group.addGroup("model", id)));
        m.lag.update(Math.max(0, System.currentTimeMillis() - snapshot.createdAtMillis()));
        m.version = snapshot.version();
    }

    /** The metrics of one model. */
    private static final class ModelMetrics {
        final Histogram lag;
        volatile long version;

        ModelMetrics(MetricGroup g) {
            g.gauge(SNAPSHOT_VERSION, (Gauge<Long>) () -> version);
            lag = g.histogram(SNAPSHOT_LAG_MILLIS, new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        }
    }
}
