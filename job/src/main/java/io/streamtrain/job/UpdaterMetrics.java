package io.streamtrain.job;

import io.streamtrain.connectors.metrics.VersionLatencyMetrics;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The parameter updater's Flink metrics, one group per model ({@code model=<id>}): the version,
 * rows trained and rejected, prequential loss and accuracy, staleness, blocks dropped, updates
 * refused and divergences (gauges of the updater's keyed state, so they continue after a restore), and the
 * staleness of every gradient block consumed (a histogram).
 */
final class UpdaterMetrics {
    static final String VERSION = "version";
    static final String ROWS_TRAINED = "rowsTrained";
    static final String ROWS_REJECTED = "rowsRejected";
    static final String PREQUENTIAL_LOSS = "prequentialLoss";
    static final String PREQUENTIAL_ACCURACY = "prequentialAccuracy";
    static final String STALENESS_MEAN = "stalenessMean";
    static final String STALENESS_MAX = "stalenessMax";
    static final String STALENESS = "staleness";
    static final String BLOCKS_DROPPED = "blocksDropped";
    static final String UPDATES_REFUSED = "updatesRefused";
    static final String DIVERGENCES = "divergences";

    private final MetricGroup group;
    private final Map<String, ModelMetrics> models = new HashMap<>();

    UpdaterMetrics(MetricGroup group) {
        this.group = group;
    }

    /** A gradient block was consumed (applied or dropped) this many versions after its base. */
    void blockConsumed(String model, long staleness) {
        of(model).staleness.update(staleness);
    }

    /** The model's state after a window: what the gauges show from now on. */
    void stateUpdated(String model, ModelState s, long divergences) {
        ModelMetrics m = of(model);
        m.version = s.version();
        m.rowsTrained = s.rowsTrained();
        m.rowsRejected = s.rowsRejected();
        m.prequentialLoss = ratio(s.lossSum(), s.rowsTrained());
        m.prequentialAccuracy = ratio(s.correct(), s.rowsTrained());
        m.stalenessMean = ratio(s.stalenessSum(), s.blocksApplied());
        m.stalenessMax = s.stalenessMax();
        m.blocksDropped = s.blocksDropped();
        m.updatesRefused = s.updatesRefused();
        m.divergences = divergences;
    }

    private static double ratio(double sum, long count) {
        return count == 0 ? Double.NaN : sum / count;
    }

    private ModelMetrics of(String model) {
        return models.computeIfAbsent(model, m -> new ModelMetrics(group.addGroup("model", m)));
    }

    /**
     * The metrics of one model. The gauges read plain copies of the state's counters, not the
     * state itself (which holds the parameters); they are written and read on different threads.
     */
    private static final class ModelMetrics {
        final Histogram staleness;
        volatile long version;
        volatile long rowsTrained;
        volatile long rowsRejected;
        volatile double prequentialLoss = Double.NaN;
        volatile double prequentialAccuracy = Double.NaN;
        volatile double stalenessMean = Double.NaN;
        volatile long stalenessMax;
        volatile long blocksDropped;
        volatile long updatesRefused;
        volatile long divergences;

        ModelMetrics(MetricGroup g) {
            g.gauge(VERSION, (Gauge<Long>) () -> version);
            g.gauge(ROWS_TRAINED, (Gauge<Long>) () -> rowsTrained);
            g.gauge(ROWS_REJECTED, (Gauge<Long>) () -> rowsRejected);
            g.gauge(PREQUENTIAL_LOSS, (Gauge<Double>) () -> prequentialLoss);
            g.gauge(PREQUENTIAL_ACCURACY, (Gauge<Double>) () -> prequentialAccuracy);
            g.gauge(STALENESS_MEAN, (Gauge<Double>) () -> stalenessMean);
            g.gauge(STALENESS_MAX, (Gauge<Long>) () -> stalenessMax);
            g.gauge(BLOCKS_DROPPED, (Gauge<Long>) () -> blocksDropped);
            g.gauge(UPDATES_REFUSED, (Gauge<Long>) () -> updatesRefused);
            g.gauge(DIVERGENCES, (Gauge<Long>) () -> divergences);
            staleness = g.histogram(STALENESS,
                    new DescriptiveStatisticsHistogram(VersionLatencyMetrics.HISTOGRAM_WINDOW));
        }
    }
}
