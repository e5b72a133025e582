package io.streamtrain.job;

import io.streamtrain.connectors.metrics.VersionLatencyMetrics;
import io.streamtrain.connectors.record.ModelVersion;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/**
 * A gradient worker's Flink metrics, one group per model ({@code model=<id>}): the newest version
 * it has received and its generation, and the parameter round-trip time of every new version, from the updater
 * publishing it to this worker receiving it through the parameters topic (a histogram, in
 * milliseconds).
 */
final class GradientWorkerMetrics {
    static final String VERSION = "version";
    static final String GENERATION = "generation";
    static final String ROUND_TRIP_MILLIS = "parameterRoundTripMillis";

    private final MetricGroup group;
    private final VersionLatencyMetrics metrics;
    private final Map<String, AtomicLong> generations = new HashMap<>();

    GradientWorkerMetrics(MetricGroup group) {
        this.group = group;
        this.metrics = new VersionLatencyMetrics(group, VERSION, ROUND_TRIP_MILLIS);
    }

    /** A version newer than any this worker had arrived. */
    void versionReceived(ModelVersion v) {
        metrics.handled(v.model(), v.version(), v.publishedAtMillis());
        if (group == null) {
            return;
        }
        generations.computeIfAbsent(v.model(), m -> {
            AtomicLong g = new AtomicLong();
            group.addGroup("model", m).gauge(GENERATION, (Gauge<Long>) g::get);
            return g;
        }).set(v.generation());
    }
}
