package io.streamtrain.job;

import io.streamtrain.connectors.metrics.VersionLatencyMetrics;
import io.streamtrain.connectors.record.ModelVersion;
import org.apache.flink.metrics.MetricGroup;

/**
 * A gradient worker's Flink metrics, one group per model ({@code model=<id>}): the newest version
 * it has received, and the parameter round-trip time of every new version, from the updater
 * publishing it to this worker receiving it through the parameters topic (a histogram, in
 * milliseconds).
 */
final class GradientWorkerMetrics {
    static final String VERSION = "version";
    static final String ROUND_TRIP_MILLIS = "parameterRoundTripMillis";

    private final VersionLatencyMetrics metrics;

    GradientWorkerMetrics(MetricGroup group) {
        this.metrics = new VersionLatencyMetrics(group, VERSION, ROUND_TRIP_MILLIS);
    }

    /** A version newer than any this worker had arrived. */
    void versionReceived(ModelVersion v) {
        metrics.handled(v.model(), v.version(), v.publishedAtMillis());
    }
}
