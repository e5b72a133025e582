package io.streamtrain.job;

import io.streamtrain.connectors.metrics.VersionLatencyMetrics;
import io.streamtrain.connectors.record.ModelVersion;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * A gradient worker's Flink metrics, one group per model ({@code model=<id>}): the newest version
 * it has received and its generation, and the parameter round-trip time of every new version, from the updater
 * publishing it to this worker receiving it through the parameters topic (a histogram, in
 * milliseconds), and how long each block's gradient took to compute, from loading the newest
 * parameters to the gradient's copy (in the local mode, the whole local step), in microseconds:
 * next to the round trip, what a version's time goes to. And, for the subtask, the blocks waiting in
 * it for versions (now and the most at once): what training.read-ahead bounds.
 */
final class GradientWorkerMetrics {
    static final String VERSION = "version";
    static final String GENERATION = "generation";
    static final String ROUND_TRIP_MILLIS = "parameterRoundTripMillis";
    static final String COMPUTE_MICROS = "gradientComputeMicros";
    static final String WAITING_BLOCKS = "waitingBlocks";
    static final String WAITING_BLOCKS_MAX = "waitingBlocksMax";

    private final MetricGroup group;
    private final VersionLatencyMetrics metrics;
    private final Map<String, AtomicLong> generations = new HashMap<>();
    private final Map<String, Histogram> computeMicros = new HashMap<>();
    private long waiting;
    private long waitingMax;

    GradientWorkerMetrics(MetricGroup group) {
        this.group = group;
        this.metrics = new VersionLatencyMetrics(group, VERSION, ROUND_TRIP_MILLIS);
        if (group != null) {
            group.gauge(WAITING_BLOCKS, (Gauge<Long>) () -> waiting);
            group.gauge(WAITING_BLOCKS_MAX, (Gauge<Long>) () -> waitingMax);
        }
    }

    /** {@code blocks} wait in this subtask for versions. */
    void waiting(long blocks) {
        waiting = blocks;
        waitingMax = Math.max(waitingMax, blocks);
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

    /** A block's gradient (or local step) of {@code model} took {@code nanos}. */
    void gradientComputed(String model, long nanos) {
        if (group == null) {
            return;
        }
        computeMicros.computeIfAbsent(model, m -> group.addGroup("model", m).histogram(COMPUTE_MICROS,
                new DescriptiveStatisticsHistogram(VersionLatencyMetrics.HISTOGRAM_WINDOW))).update(nanos / 1000);
    }
}
