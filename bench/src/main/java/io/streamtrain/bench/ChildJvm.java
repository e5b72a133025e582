package io.streamtrain.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one measurement in a child JVM ({@link ChildMain}) on this JVM's class path, so that the
 * child's CPU time and peak memory are the measurement's alone; waits for its result file, with
 * a deadline.
 */
final class ChildJvm {
    /** The same opens as bin/streamtrain (Kryo meets JDK classes in Flink's serializers). */
    private static final List<String> OPENS = List.of("--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");

    /**
     * The collector of {@code bin/streamtrain} and of the TaskManagers in
     * {@code config/flink/config.yaml}, so that the job is measured as it runs; the in-memory
     * trainers get the same JVM.
     */
    static final String COLLECTOR = "-XX:+UseParallelGC";

    /**
     * A finished child.
     *
     * @param launchMillis wall clock just before the process was started
     * @param harnessCpuSeconds CPU this JVM (the harness, i.e. mostly its Kafka broker) used meanwhile
     */
    record Outcome(JsonNode result, long launchMillis, long exitMillis, double harnessCpuSeconds) {}

    private final Path work;
    private final String heap;
    private final Path profileDir;
    private final String profileEvent;
    private final Duration timeout;

    /**
     * @param heap the child's -Xmx
     * @param profileDir where to write a Java Flight Recording of each child (null: none)
     * @param profileEvent what async-profiler samples in Flink runs: cpu or wall
     */
    ChildJvm(Path work, String heap, Path profileDir, String profileEvent, Duration timeout) {
        this.work = work;
        this.heap = heap;
        this.profileDir = profileDir;
        this.profileEvent = profileEvent;
        this.timeout = timeout;
    }

    Outcome run(String label, String mode, ObjectNode request, int threads) throws Exception {
        Path requestFile = work.resolve(label + ".request.json");
        Path resultFile = work.resolve(label + ".result.json");
        Path log = work.resolve(label + ".log");
        if (profileDir != null) {
            // Flink runs also sample every thread's CPU time over the measured interval (CpuProfile)
            request = request.deepCopy().put("cpu_profile", profileDir.resolve(label + ".collapsed").toString())
                    .put("cpu_profile_event", profileEvent);
        }
        Json.MAPPER.writeValue(requestFile.toFile(), request);
        Files.deleteIfExists(resultFile);
        Path tmp = Files.createDirectories(work.resolve("tmp"));
        // the class path goes through an argument file: it can be longer than a command line may be
        Path argFile = work.resolve("classpath.args");
        if (!Files.exists(argFile)) {
            Files.writeString(argFile, "-cp \"" + System.getProperty("java.class.path").replace("\\", "\\\\") + "\"\n",
                    StandardCharsets.UTF_8);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + heap);
        // a Flink TaskManager's JVM starts with its whole heap (Flink passes -Xms equal to -Xmx):
        // measured as it runs there, the job does not grow its heap through full collections in
        // its first seconds, which in a run of 7 seconds cost it up to a second of pauses
        cmd.add("-Xms" + heap);
        cmd.add(COLLECTOR);
        cmd.addAll(OPENS);
        cmd.add("-Djava.io.tmpdir=" + tmp);
        cmd.add("-Djava.awt.headless=true");
        String log4j = System.getProperty("log4j2.configurationFile");
        if (log4j != null) {
            cmd.add("-Dlog4j2.configurationFile=" + log4j);
            cmd.add("-Dlog4j2.statusLoggerLevel=ERROR");
        }
        if (profileDir != null) {
            cmd.add("-XX:StartFlightRecording=filename=" + profileDir.resolve(label + ".jfr") + ",settings=profile");
        }
        cmd.add("@" + argFile);
        cmd.add(ChildMain.class.getName());
        cmd.add(mode);
        cmd.add(requestFile.toString());
        cmd.add(resultFile.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
        long cpu0 = ProcessStats.cpuNanos();
        long launch = System.currentTimeMillis();
        Process p = pb.start();
        // a harness stopped by a signal takes its child with it
        Thread reaper = new Thread(p::destroyForcibly, "stop-" + label);
        Runtime.getRuntime().addShutdownHook(reaper);
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(label + " did not finish within " + timeout + " (raise --timeout); log: "
                        + log + "\n" + tail(log));
            }
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            Runtime.getRuntime().removeShutdownHook(reaper);
        }
        long exit = System.currentTimeMillis();
        double harnessCpu = (ProcessStats.cpuNanos() - cpu0) / 1e9;
        if (p.exitValue() != 0 || !Files.exists(resultFile)) {
            throw new IllegalStateException(label + " failed (exit code " + p.exitValue() + "); log: " + log + "\n"
                    + tail(log));
        }
        return new Outcome(Json.MAPPER.readTree(resultFile.toFile()), launch, exit, harnessCpu);
    }

    static String tail(Path log) throws IOException {
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }
}
