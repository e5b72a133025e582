package io.streamtrain.bench;

import java.nio.file.Path;
import one.profiler.AsyncProfiler;

/**
 * {@code bench --profile}, in a child JVM: async-profiler samples the CPU time of every thread
 * (interval timer, every 5 ms of CPU; with {@code --profile-event wall}, every thread every 5 ms
 * of wall-clock time, running or waiting) from the first row read until the job has ended, and writes
 * the stacks collapsed, one line a stack with the thread's name first, for {@link ProfileSummary}.
 * Java Flight Recorder's execution samples see only threads running Java code; this sees the
 * JIT compilers, the garbage collector and native code too.
 */
final class CpuProfile {
    private final Path file;
    private final boolean wall;
    private final Thread starter;
    private volatile String failure;
    private volatile boolean started;

    private CpuProfile(Path file, boolean wall) {
        this.file = file;
        this.wall = wall;
        this.starter = new Thread(this::startAtFirstRow, "cpu-profile-start");
        starter.setDaemon(true);
    }

    /** Starts sampling as soon as the job reads its first row (polled every millisecond). */
    static CpuProfile fromFirstRow(Path file, boolean wall) {
        CpuProfile p = new CpuProfile(file, wall);
        p.starter.start();
        return p;
    }

    private void startAtFirstRow() {
        try {
            while (Probes.firstRowMillis.get() == 0) {
                Thread.sleep(1);
            }
            AsyncProfiler.getInstance().execute("start,event=" + (wall ? "wall" : "itimer") + ",interval=5ms,threads");
            started = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            // no profiler for this platform, say: the run itself goes on unprofiled
            failure = "async-profiler did not start: " + e;
        }
    }

    /** Stops sampling and writes the stacks; returns the file, or why there is none. */
    String stop() throws InterruptedException {
        starter.interrupt();
        starter.join(1000);
        if (!started) {
            return failure != null ? failure : "async-profiler never started: no row was read";
        }
        try {
            AsyncProfiler.getInstance().execute("stop,collapsed,file=" + file);
            return file.toString();
        } catch (Throwable e) {
            return "async-profiler did not write " + file + ": " + e;
        }
    }
}
