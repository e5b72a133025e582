package io.streamtrain.connectors.jdbc;

import io.streamtrain.connectors.metrics.VersionLatencyMetrics;
import io.streamtrain.connectors.record.ModelSnapshot;
import org.apache.flink.metrics.MetricGroup;

/**
 * The snapshot sink's Flink metrics, one group per model ({@code model=<id>}): the newest version
 * written, and the snapshot lag of every snapshot, from the updater producing the version to its
 * transaction being committed (a histogram, in milliseconds).
 */
public final class SnapshotSinkMetrics {
    public static final String SNAPSHOT_VERSION = "snapshotVersion";
    public static final String SNAPSHOT_LAG_MILLIS = "snapshotLagMillis";

    private final VersionLatencyMetrics metrics;

    /** @param group the sink writer's group; null (tests without Flink) records nothing */
    SnapshotSinkMetrics(MetricGroup group) {
        this.metrics = new VersionLatencyMetrics(group, SNAPSHOT_VERSION, SNAPSHOT_LAG_MILLIS);
    }

    /** {@code snapshot} has just been committed. */
    void written(ModelSnapshot snapshot) {
        metrics.handled(snapshot.model(), snapshot.version(), snapshot.createdAtMillis());
    }
}
