package io.streamtrain.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** This JVM's CPU time and peak resident memory, as the kernel counts them. */
final class ProcessStats {
    private ProcessStats() {}

    /** CPU time of this process, all threads, in nanoseconds. */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** Peak resident set size (VmHWM of /proc/self/status) in kB; -1 where /proc is missing. */
    static long peakRssKb() {
        return statusKb("VmHWM:");
    }

    static long statusKb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
