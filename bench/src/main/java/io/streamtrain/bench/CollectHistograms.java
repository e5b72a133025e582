package io.streamtrain.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * A Flink metric reporter that keeps the job's latency histograms (the gradient workers'
 * {@code parameterRoundTripMillis}, the snapshot sink's {@code snapshotLagMillis}), so that the
 * benchmark reads their samples after the job has finished. Registered as
 * {@code metrics.reporter.bench.factory.class} on the benchmark's MiniCluster.
 */
public final class CollectHistograms implements MetricReporter {
    static final String ROUND_TRIP = "parameterRoundTripMillis";
    static final String SNAPSHOT_LAG = "snapshotLagMillis";
    static final String GRADIENT_COMPUTE = "gradientComputeMicros";

    /** Histograms by metric name, then by full identifier (one per subtask and model). */
    private static final Map<String, Map<String, Histogram>> HISTOGRAMS = new TreeMap<>();

    @Override
    public void open(MetricConfig config) {}

    @Override
    public void close() {}

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
        if (metric instanceof Histogram h && (name.equals(ROUND_TRIP) || name.equals(SNAPSHOT_LAG)
                || name.equals(GRADIENT_COMPUTE))) {
            synchronized (HISTOGRAMS) {
                HISTOGRAMS.computeIfAbsent(name, n -> new TreeMap<>()).put(group.getMetricIdentifier(name), h);
            }
        }
    }

    /** Kept on removal: the job's end removes them, and that is when they are read. */
    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {}

    /**
     * The samples one histogram holds: the latest {@code values.length} of {@code count}, in the
     * order of its ring buffer, so two histograms that saw the same count hold the same sample
     * numbers at the same index.
     */
    record Samples(String identifier, long count, long[] values) {}

    /** Every histogram named {@code name}: one per subtask (and model). */
    static List<Samples> samples(String name) {
        synchronized (HISTOGRAMS) {
            List<Samples> out = new ArrayList<>();
            for (Map.Entry<String, Histogram> e : HISTOGRAMS.getOrDefault(name, Map.of()).entrySet()) {
                out.add(new Samples(e.getKey(), e.getValue().getCount(), e.getValue().getStatistics().getValues()));
            }
            return out;
        }
    }

    /** Creates the reporter (found through {@code META-INF/services}). */
    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new CollectHistograms();
        }
    }
}
