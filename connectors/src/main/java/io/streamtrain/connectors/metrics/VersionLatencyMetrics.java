package io.streamtrain.connectors.metrics;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * Per model (a metric group {@code model=<id>}): the newest version an operator has handled, as a
 * gauge, and a histogram of the milliseconds from when a version was produced to when the
 * operator handled it (wall clock; across machines it includes their clock offset).
 */
public final class VersionLatencyMetrics {
    /** Samples a histogram keeps for its quantiles (the latest ones). */
    public static final int HISTOGRAM_WINDOW = 10_000;

    private final MetricGroup group;
    private final String versionName;
    private final String latencyName;
    private final Map<String, ModelMetrics> models = new HashMap<>();

    /** @param group the operator's metric group; null (tests without Flink) records nothing */
    public VersionLatencyMetrics(MetricGroup group, String versionName, String latencyName) {
        this.group = group;
        this.versionName = versionName;
        this.latencyName = latencyName;
    }

    /** {@code version} of {@code model}, produced at {@code producedAtMillis}, has just been handled. */
    public void handled(String model, long version, long producedAtMillis) {
        if (group == null) {
            return;
        }
        ModelMetrics m = models.computeIfAbsent(model, id -> new ModelMetrics(group.addGroup("model", id)));
        m.latency.update(Math.max(0, System.currentTimeMillis() - producedAtMillis));
        m.version = version;
    }

    /** The metrics of one model. */
    private final class ModelMetrics {
        final Histogram latency;
        volatile long version;

        ModelMetrics(MetricGroup g) {
            g.gauge(versionName, (Gauge<Long>) () -> version);
            latency = g.histogram(latencyName, new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        }
    }
}
