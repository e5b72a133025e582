package io.streamtrain.bench;

import io.streamtrain.config.StreamtrainConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code streamtrain bench}: the job end to end next to its ceilings and its peers, on the same data. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark: the compute ceiling (in-memory reference trainer, 1 thread), the input ceiling "
                + "(Kafka source + parsing + blocking, no training), the job end to end at parallelism 1 and 2 on a "
                + "topic that already holds the rows, and the peers (DL4J; PyTorch in memory and from Kafka when "
                + "python3 imports torch and kafka), on the same data. Prints one markdown table and writes it, "
                + "with a JSON report, under bench-results/."})
public final class BenchCommand implements Callable<Integer> {
    static final Set<String> PARTS = Set.of("compute", "input", "e2e", "dl4j", "torch");

    @Option(names = "--workload", defaultValue = "seed",
            description = "seed (5,000,000 rows, 2-2-2) or fashion (Fashion-MNIST x 3 passes, 784-128-10, Adam). Default: ${DEFAULT-VALUE}")
    String workload;

    @Option(names = "--quick", description = "A much smaller version for smoke tests: fewer rows, one run, peers at 1 thread.")
    boolean quick;

    @Option(names = "--runs", description = "Runs per figure; each figure is their median. Default: 3, or 1 with --quick.")
    Integer runs;

    @Option(names = "--set", description = "Override a key of the workload's configuration (config/bench-<workload>.yaml), repeatable.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--output-dir", defaultValue = "bench-results", description = "Where the JSON and markdown reports go. Default: ${DEFAULT-VALUE}")
    Path outputDir;

    @Option(names = "--profile", description = "Record each child JVM with Java Flight Recorder (settings=profile) and "
            + "summarize where its CPU samples went, next to the reports.")
    boolean profile;

    @Option(names = "--profile-event", defaultValue = "cpu", description = "What async-profiler samples in the job's "
            + "runs with --profile: cpu (each thread's CPU time) or wall (every thread's wall-clock time, waiting "
            + "included: what each Flink task thread waits for). Default: ${DEFAULT-VALUE}")
    String profileEvent;

    @Option(names = "--heap", defaultValue = "2g", description = "-Xms and -Xmx of each child JVM. Default: ${DEFAULT-VALUE}")
    String heap;

    @Option(names = "--python", description = "The Python interpreter of the PyTorch peers (default: the first of python3 "
            + "on the PATH and /usr/bin/python3 that imports torch, kafka and numpy).")
    String python;

    @Option(names = "--skip", split = ",", description = "Parts to leave out while iterating: compute, input, e2e, dl4j, torch.")
    List<String> skip = new ArrayList<>();

    @Option(names = "--timeout", defaultValue = "PT30M", description = "Give up on one child process after this long (ISO-8601). Default: ${DEFAULT-VALUE}")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        Set<String> skipped = new LinkedHashSet<>(skip);
        for (String part : skipped) {
            if (!PARTS.contains(part)) {
                throw new IllegalArgumentException("--skip: unknown part '" + part + "', expected some of " + PARTS);
            }
        }
        if (!profileEvent.equals("cpu") && !profileEvent.equals("wall")) {
            throw new IllegalArgumentException("--profile-event: expected cpu or wall, got '" + profileEvent + "'");
        }
        int n = runs != null ? runs : quick ? 1 : 3;
        if (n < 1) {
            throw new IllegalArgumentException("--runs must be at least 1");
        }
        Path root = Path.of(System.getProperty("streamtrain.root", ".")).toAbsolutePath().normalize();
        Workload w = Workload.open(workload, quick, root, StreamtrainConfig.parseAssignments(sets));
        Path results = outputDir.isAbsolute() ? outputDir : root.resolve(outputDir);
        new Benchmark(root, w, n, quick, results, profile ? profileEvent : null, heap, python, timeout, skipped, System.out).run();
        return 0;
    }
}
