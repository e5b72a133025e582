package io.streamtrain.job;

import io.streamtrain.connectors.record.ModelVersion;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * A gradient worker's Flink metrics, one group per model ({@code model=<id>}): the newest version
 * it has received, and the parameter round-trip time of every new version, from the updater
 * publishing it to this worker receiving it through the parameters topic (a histogram, in
 * milliseconds of wall-clock time: across machines it includes their clock offset).
 */
final class GradientWorkerMetrics {
    static final String VERSION = "version";
    static final String ROUND_TRIP_MILLIS = "parameterRoundTripMillis";

    private final MetricGroup group;
    private final Map<String, ModelMetrics> models = new HashMap<>();

    GradientWorkerMetrics(MetricGroup group) {
        this.group = group;
    }

    /** A version newer than any this worker had arrived. */
    void versionReceived(ModelVersion v) {
        ModelMetrics m = models.computeIfAbsent(v.model(), id -> new ModelMetrics(group.addGroup("model", id)));
        m.roundTrip.update(Math.max(0, System.currentTimeMillis() - v.publishedAtMillis()));
        m.version = v.version();
    }

    /** The metrics of one model. */
    private static final class ModelMetrics {
        final Histogram roundTrip;
        volatile long version;

        ModelMetrics(MetricGroup g) {
            g.gauge(VERSION, (Gauge<Long>) () -> version);
            roundTrip = g.histogram(ROUND_TRIP_MILLIS,
                    new DescriptiveStatisticsHistogram(UpdaterMetrics.HISTOGRAM_WINDOW));
        }
    }
}
