package io.streamtrain.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the timing wrappers inside a benchmark job record. The job runs on a MiniCluster in the
 * same JVM (a child process of the harness), so static fields reach the process that reports.
 */
final class Probes {
    /** Wall-clock ms of the first row any source subtask read (0 until then). */
    static final AtomicLong firstRowMillis = new AtomicLong();
    /** Process CPU ns when that happened. */
    static final AtomicLong firstRowCpuNanos = new AtomicLong();
    /** Rows the discarding sink of the input benchmark received. */
    static final AtomicLong blockedRows = new AtomicLong();
    /** Wall-clock ms of the last block with rows the discarding sink received. */
    static final AtomicLong lastBlockMillis = new AtomicLong();
    /** Wall-clock ms when the final snapshot was committed, and the process CPU ns then. */
    static final AtomicLong finalSnapshotMillis = new AtomicLong();
    static final AtomicLong finalSnapshotCpuNanos = new AtomicLong();
    static final AtomicLong finalSnapshotVersion = new AtomicLong(-1);
    /** Duration of every snapshot write, in ms. */
    static final List<Double> snapshotWriteMillis = new ArrayList<>();

    private Probes() {}

    static void firstRow() {
        long now = System.currentTimeMillis();
        if (firstRowMillis.compareAndSet(0, now)) {
            firstRowCpuNanos.set(ProcessStats.cpuNanos());
        }
    }

    static void block(int rows) {
        if (rows > 0) {
            blockedRows.addAndGet(rows);
            lastBlockMillis.accumulateAndGet(System.currentTimeMillis(), Math::max);
        }
    }

    static void snapshotWritten(long version, boolean last, double millis) {
        synchronized (snapshotWriteMillis) {
            snapshotWriteMillis.add(millis);
        }
        if (last) {
            finalSnapshotMillis.set(System.currentTimeMillis());
            finalSnapshotCpuNanos.set(ProcessStats.cpuNanos());
            finalSnapshotVersion.set(version);
        }
    }

    static List<Double> snapshotWrites() {
        synchronized (snapshotWriteMillis) {
            return new ArrayList<>(snapshotWriteMillis);
        }
    }
}
