package io.streamtrain.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamtrain.config.DataOptions;
import io.streamtrain.config.JobOptions;
import io.streamtrain.config.KafkaOptions;
import io.streamtrain.config.ModelOptions;
import io.streamtrain.config.OptimizerOptions;
import io.streamtrain.config.SinkOptions;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.config.TrainingOptions;
import io.streamtrain.connectors.jdbc.SnapshotReader;
import io.streamtrain.connectors.kafka.EmbeddedKafka;
import io.streamtrain.connectors.kafka.SendRows;
import io.streamtrain.connectors.record.ModelSnapshot;
import io.streamtrain.data.RowFormat;
import io.streamtrain.nn.Architecture;
import io.streamtrain.nn.ForwardPass;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;

/**
 * One {@code streamtrain bench} invocation: starts a Kafka broker, writes the workload's rows to
 * a topic once (untimed) and, parsed, to a data file for the in-memory trainers, then measures
 * the compute ceiling, the input ceiling, the job end to end at parallelism 1 and 2, and the
 * peers, each in a process of its own, on the same data; and reports the medians.
 */
final class Benchmark {
    /** Whether the PyTorch peers' BLAS library has been printed (once per run of the harness). */
    private boolean blasReported;
    private final Path root;
    private final Workload workload;
    private final int runs;
    private final boolean quick;
    private final Path resultsDir;
    /** null: no profiling; cpu or wall: what async-profiler samples in the job's runs. */
    private final String profile;
    private final String heap;
    private final String python;
    private final Duration timeout;
    private final Set<String> skip;
    private final PrintStream out;
    private Path profileDir;

    Benchmark(Path root, Workload workload, int runs, boolean quick, Path resultsDir, String profile, String heap,
            String python, Duration timeout, Set<String> skip, PrintStream out) {
        this.root = root;
        this.workload = workload;
        this.runs = runs;
        this.quick = quick;
        this.resultsDir = resultsDir;
        this.profile = profile;
        this.heap = heap;
        this.python = python;
        this.timeout = timeout;
        this.skip = skip;
        this.out = out;
    }

    /** What a run wrote: the report and where it went. */
    record Written(ObjectNode report, String markdown, Path json, Path markdownFile) {}

    Written run() throws Exception {
        StreamtrainConfig config = workload.config();
        Architecture arch = workload.architecture();
        ObjectNode report = Json.MAPPER.createObjectNode();
        report.put("workload", workload.name());
        report.put("quick", quick);
        report.put("runs", runs);
        report.put("description", workload.description());
        report.put("network", arch.toString());
        report.put("optimizer", optimizerText(config));
        report.put("batch_size", config.get(TrainingOptions.BATCH_SIZE));
        report.put("window_blocks", config.windowBlocks());
        report.put("step_rows", workload.stepRows());
        report.put("rows", workload.trainingRows());
        report.put("target_accuracy", workload.targets().accuracy());
        report.put("config_file", root.relativize(workload.configFile().toAbsolutePath()).toString());
        report.put("config_hash", config.hash());
        ObjectNode machine = MachineInfo.collect(root);
        report.set("machine", machine);

        Path work = Files.createTempDirectory(Files.createDirectories(root.resolve("data")), "bench-");
        // a harness stopped by a signal leaves no work directory behind (the broker's log, data files)
        Thread cleanup = new Thread(() -> deleteQuietly(work), "delete-" + work.getFileName());
        Runtime.getRuntime().addShutdownHook(cleanup);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        profileDir = profile != null ? Files.createDirectories(resultsDir.resolve("profile-" + workload.name() + "-" + stamp))
                : null;
        ChildJvm children = new ChildJvm(work, heap, profileDir, profile, timeout);
        out.printf(Locale.ROOT, "streamtrain bench %s%s: %s, %s, %s, steps of %d x %d rows; %d run(s) per figure%n",
                workload.name(), quick ? " --quick" : "", workload.description(), arch, optimizerText(config),
                config.windowBlocks(), config.get(TrainingOptions.BATCH_SIZE), runs);
        try (EmbeddedKafka broker = EmbeddedKafka.start(work, Map.of("log.segment.delete.delay.ms", "0"))) {
            String bootstrap = broker.bootstrapServers();
            String rowsTopic = config.get(KafkaOptions.ROWS_TOPIC);
            int partitions = config.get(KafkaOptions.PARTITIONS);
            String holdoutTopic = config.get(KafkaOptions.HOLDOUT_TOPIC);
            Map<String, Integer> topics = new LinkedHashMap<>(Map.of(rowsTopic, partitions,
                    config.get(KafkaOptions.DLQ_TOPIC), partitions));
            if (!holdoutTopic.isEmpty()) {
                topics.put(holdoutTopic, 1);
            }
            broker.createTopics(topics);
            Path trainFile = work.resolve("train.bin");
            Path holdoutFile = work.resolve("holdout.bin");
            long t0 = System.nanoTime();
            int rowsPerMessage = config.get(DataOptions.ROWS_PER_MESSAGE);
            long sent = produce(bootstrap, rowsTopic, partitions, rowsPerMessage, workload.training(), trainFile);
            // the held-out rows go to their topic too, one a message: the job scores every snapshot on them
            long held = produce(bootstrap, holdoutTopic.isEmpty() ? null : holdoutTopic, 1, 1, workload.holdout(),
                    holdoutFile);
            out.printf(Locale.ROOT, "  broker on %s; %,d rows written to topic %s (%d partitions, %d row%s a message) and "
                            + "%,d held-out rows to %s, parsed to %s, in %.1f s (untimed)%n", bootstrap, sent, rowsTopic,
                    partitions, rowsPerMessage, rowsPerMessage == 1 ? "" : "s", held,
                    holdoutTopic.isEmpty() ? "no topic" : holdoutTopic, work, seconds(t0));
            Map<String, Long> stopAt = new LinkedHashMap<>();
            long[] messages = SendRows.messagesPerPartition(sent, rowsPerMessage, partitions);
            for (int p = 0; p < partitions; p++) {
                stopAt.put(Integer.toString(p), messages[p]);
            }
            DataFile.Arrays holdout = DataFile.read(holdoutFile);

            if (!skip.contains("compute")) {
                report.set("compute_ceiling", computeCeiling(children, trainFile, holdoutFile));
            }
            if (!skip.contains("input")) {
                report.set("input_ceiling", inputCeiling(children, bootstrap, rowsTopic, stopAt));
            }
            if (!skip.contains("e2e")) {
                report.set("end_to_end", endToEnd(children, broker, bootstrap, rowsTopic, stopAt, holdout, work));
            }
            ObjectNode peers = report.putObject("peers");
            ObjectNode skipped = report.putObject("peers_skipped");
            if (!skip.contains("dl4j")) {
                dl4j(children, trainFile, holdoutFile, peers, skipped);
            }
            if (!skip.contains("torch")) {
                torch(work, bootstrap, rowsTopic, partitions, sent, trainFile, holdoutFile, peers, skipped);
            }
        } finally {
            Runtime.getRuntime().removeShutdownHook(cleanup);
            deleteTree(work);
        }
        machine.put("load_average_end", MachineInfo.loadAverage());
        report.set("targets", Targets.evaluate(report, workload.targets()));
        if (profileDir != null) {
            report.put("profiles", root.relativize(profileDir.toAbsolutePath()).toString());
        }

        String markdown = Report.markdown(report);
        Files.createDirectories(resultsDir);
        String base = workload.name() + (quick ? "-quick" : "") + "-" + stamp;
        Path json = resultsDir.resolve(base + ".json");
        Path md = resultsDir.resolve(base + ".md");
        Json.MAPPER.writeValue(json.toFile(), report);
        Files.writeString(md, markdown);
        out.println();
        out.println(markdown);
        out.println("wrote " + json + " and " + md);
        return new Written(report, markdown, json, md);
    }

    // ---- compute and input ceilings ----

    private ObjectNode computeCeiling(ChildJvm children, Path trainFile, Path holdoutFile) throws Exception {
        ObjectNode request = request(workload.config());
        request.put("data", trainFile.toString());
        request.put("holdout", holdoutFile.toString());
        request.put("runs", runs);
        ChildJvm.Outcome o = children.run("compute", "compute", request, 1);
        profiled("compute", 0, 0);
        ObjectNode summary = summarize(o.result().get("runs"));
        summary.put("threads", 1);
        summary.put("peak_rss_mb", o.result().get("peak_rss_kb").asLong() / 1024.0);
        summary.put("nd4j_backend", o.result().path("nd4j_backend").asText());
        out.printf(Locale.ROOT, "  compute ceiling (ReferenceTrainer, 1 thread, %s): %,.0f rows/s, held-out accuracy %.4f%n",
                summary.get("nd4j_backend").asText(), summary.get("rows_per_second").asDouble(),
                summary.get("holdout_accuracy").asDouble());
        return summary;
    }

    private ObjectNode inputCeiling(ChildJvm children, String bootstrap, String rowsTopic, Map<String, Long> stopAt)
            throws Exception {
        ObjectNode ceiling = null;
        for (int p : new int[] {1, 2}) {
            List<ObjectNode> results = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                String label = "input-p" + p + "-r" + r;
                StreamtrainConfig config = workload.config().with(Map.of(JobOptions.PARALLELISM.key(), Integer.toString(p),
                        KafkaOptions.GROUP_ID.key(), "bench-" + label));
                ChildJvm.Outcome o = children.run(label, "input",
                        flinkRequest(config, bootstrap, rowsTopic, stopAt), p);
                JsonNode res = o.result();
                long first = res.get("first_row_millis").asLong();
                long last = res.get("last_block_millis").asLong();
                profiled(label, first, last);
                long rows = res.get("rows").asLong();
                ObjectNode run = Json.MAPPER.createObjectNode();
                run.put("rows", rows);
                run.put("seconds", (last - first) / 1000.0);
                run.put("rows_per_second", rows / ((last - first) / 1000.0));
                run.put("startup_seconds", (first - o.launchMillis()) / 1000.0);
                run.put("job_seconds", (last - o.launchMillis()) / 1000.0);
                run.put("peak_rss_mb", res.get("peak_rss_kb").asLong() / 1024.0);
                run.put("process_cpu_seconds", res.get("process_cpu_seconds").asDouble());
                results.add(run);
                if (rows != workload.trainingRows()) {
                    throw new IllegalStateException(label + ": the discarding sink counted " + rows + " rows of "
                            + workload.trainingRows());
                }
            }
            ObjectNode summary = summarize(Json.MAPPER.valueToTree(results));
            summary.put("parallelism", p);
            out.printf(Locale.ROOT, "  input ceiling (source + row-parser + shuffle, parallelism %d): %,.0f rows/s%n", p,
                    summary.get("rows_per_second").asDouble());
            if (ceiling == null) {
                ceiling = summary;
            } else {
                ceiling.set("p" + p, summary);
            }
        }
        return ceiling;
    }

    // ---- end to end ----

    private ObjectNode endToEnd(ChildJvm children, EmbeddedKafka broker, String bootstrap, String rowsTopic,
            Map<String, Long> stopAt, DataFile.Arrays holdout, Path work)
            throws Exception {
        Map<Integer, List<ObjectNode>> byParallelism = new LinkedHashMap<>();
        byParallelism.put(1, new ArrayList<>());
        byParallelism.put(2, new ArrayList<>());
        // alternate p1 and p2 so that a change in the machine's load touches both alike
        for (int r = 0; r < runs; r++) {
            for (int p : byParallelism.keySet()) {
                byParallelism.get(p).add(endToEndRun(children, broker, bootstrap, rowsTopic, stopAt, holdout,
                        work, p, r));
            }
        }
        ObjectNode e2e = Json.MAPPER.createObjectNode();
        for (Map.Entry<Integer, List<ObjectNode>> e : byParallelism.entrySet()) {
            ArrayNode all = Json.MAPPER.valueToTree(e.getValue());
            ObjectNode s = summarize(all);
            s.put("parallelism", e.getKey());
            s.put("time_to_target_reached", countFinite(all, "time_to_target_seconds") + " of " + all.size());
            ObjectNode rt = s.putObject("round_trip_ms");
            rt.put("p50", s.remove("round_trip_p50_ms").asDouble());
            rt.put("p99", s.remove("round_trip_p99_ms").asDouble());
            rt.put("max", s.remove("round_trip_max_ms").asDouble());
            ObjectNode sw = s.putObject("snapshot_write_ms");
            sw.put("p50", s.remove("snapshot_write_p50_ms").asDouble());
            sw.put("max", s.remove("snapshot_write_max_ms").asDouble());
            sw.put("final", s.remove("snapshot_write_final_ms").asDouble());
            ObjectNode lag = s.putObject("snapshot_lag_ms");
            lag.put("p50", s.remove("snapshot_lag_p50_ms").asDouble());
            lag.put("max", s.remove("snapshot_lag_max_ms").asDouble());
            ObjectNode compute = s.putObject("gradient_compute_ms");
            compute.put("p50", s.remove("gradient_compute_p50_ms").asDouble());
            compute.put("p99", s.remove("gradient_compute_p99_ms").asDouble());
            e2e.set("p" + e.getKey(), s);
        }
        return e2e;
    }

    private ObjectNode endToEndRun(ChildJvm children, EmbeddedKafka broker, String bootstrap, String rowsTopic,
            Map<String, Long> stopAt, DataFile.Arrays holdout, Path work, int p, int r)
            throws Exception {
        String label = "e2e-p" + p + "-r" + r;
        String paramsTopic = "params-" + label;
        Path db = work.resolve(label + ".db");
        StreamtrainConfig config = workload.config().with(Map.of(
                JobOptions.PARALLELISM.key(), Integer.toString(p),
                KafkaOptions.GROUP_ID.key(), "bench-" + label,
                KafkaOptions.PARAMS_TOPIC.key(), paramsTopic,
                SinkOptions.URL.key(), "jdbc:sqlite:" + db));
        broker.createTopics(Map.of(paramsTopic, 1));
        ChildJvm.Outcome o = children.run(label, "e2e", flinkRequest(config, bootstrap, rowsTopic, stopAt), p);
        JsonNode res = o.result();
        long first = res.get("first_row_millis").asLong();
        long done = res.get("final_snapshot_millis").asLong();
        if (first <= 0 || done <= 0) {
            throw new IllegalStateException(label + ": no first row or no final snapshot was seen");
        }
        profiled(label, first, done);
        String model = workload.model().id();
        ModelSnapshot last = SnapshotReader.latest("jdbc:sqlite:" + db, config.get(SinkOptions.TABLE_PREFIX), model)
                .orElseThrow(() -> new IllegalStateException(label + ": no snapshot of " + model + " in " + db));
        if (!last.last() || last.rowsTrained() != workload.trainingRows()) {
            throw new IllegalStateException(label + ": the newest snapshot (version " + last.version() + ", final "
                    + last.last() + ") trained " + last.rowsTrained() + " rows of " + workload.trainingRows());
        }
        Architecture arch = workload.architecture();
        double seconds = (done - first) / 1000.0;
        long rows = last.rowsTrained();
        ObjectNode run = Json.MAPPER.createObjectNode();
        run.put("rows", rows);
        run.put("seconds", seconds);
        run.put("rows_per_second", rows / seconds);
        run.put("holdout_accuracy", new ForwardPass(arch, last.parameters()).accuracy(holdout.x(), holdout.y(),
                holdout.rows()));
        run.put("prequential_accuracy", last.prequentialAccuracy());
        // the job's own held-out evaluator scored the final snapshot too (NaN without a held-out topic)
        run.put("holdout_accuracy_in_job", last.holdoutAccuracy());
        run.put("versions", last.version());
        run.put("startup_seconds", (first - o.launchMillis()) / 1000.0);
        // what the rows/s leave out: reading done before the first row is handed on counts in the
        // start-up, so the whole job's time is the fair comparison between configurations
        run.put("job_seconds", (done - o.launchMillis()) / 1000.0);
        run.put("shutdown_seconds", (res.get("job_end_millis").asLong() - done) / 1000.0);
        double cpu = (res.get("final_snapshot_cpu_nanos").asLong() - res.get("first_row_cpu_nanos").asLong()) / 1e9;
        run.put("cpu_seconds", cpu);
        run.put("cpu_seconds_per_million_rows", cpu / (rows / 1e6));
        run.put("process_cpu_seconds", res.get("process_cpu_seconds").asDouble());
        run.put("broker_cpu_seconds_per_million_rows", o.harnessCpuSeconds() / (rows / 1e6));
        run.put("peak_rss_mb", res.get("peak_rss_kb").asLong() / 1024.0);
        RoundTrip rt = RoundTrip.of(res.get("round_trip_ms"));
        run.put("round_trip_p50_ms", rt.quantile(0.5));
        run.put("round_trip_p99_ms", rt.quantile(0.99));
        run.put("round_trip_max_ms", rt.quantile(1.0));
        run.put("round_trip_samples", rt.samples().length);
        run.put("round_trip_method", rt.method());
        double[] writes = doubles(res.get("snapshot_write_ms"));
        run.put("snapshots", writes.length);
        run.put("snapshot_write_p50_ms", Stats.quantile(writes, 0.5));
        run.put("snapshot_write_max_ms", Stats.quantile(writes, 1.0));
        run.put("snapshot_write_final_ms", writes.length == 0 ? Double.NaN : writes[writes.length - 1]);
        RoundTrip lag = RoundTrip.pooled(res.get("snapshot_lag_ms"));
        run.put("snapshot_lag_p50_ms", lag.quantile(0.5));
        run.put("snapshot_lag_max_ms", lag.quantile(1.0));
        // each worker's time per block from loading the parameters to the gradient's copy, pooled:
        // next to the round trip, what a version's time goes to
        RoundTrip compute = RoundTrip.pooled(res.get("gradient_compute_us"));
        run.put("gradient_compute_p50_ms", compute.quantile(0.5) / 1000);
        run.put("gradient_compute_p99_ms", compute.quantile(0.99) / 1000);
        run.put("gradient_compute_samples", compute.samples().length);
        run.put("versions_per_second", last.version() / seconds);
        ScoreVersions.TimeToTarget ttt = new ScoreVersions(bootstrap, config.get(KafkaOptions.MAX_MESSAGE_BYTES))
                .timeToTarget(paramsTopic, arch, holdout, workload.targets().accuracy(), first);
        run.put("time_to_target_seconds", ttt.seconds());
        run.put("time_to_target_version", ttt.version());
        deleteTopic(bootstrap, paramsTopic);
        for (String suffix : List.of("", "-wal", "-shm")) {
            Files.deleteIfExists(Path.of(db + suffix));
        }
        out.printf(Locale.ROOT, "  end to end, parallelism %d, run %d: %,.0f rows/s over %.1f s (start-up %.1f s, "
                        + "whole job %.1f s), held-out accuracy %.4f, %s; %.1f ms a version: round trip p50 %.1f ms, "
                        + "a block's gradient p50 %.1f ms%n", p, r + 1, run.get("rows_per_second").asDouble(), seconds,
                run.get("startup_seconds").asDouble(), run.get("job_seconds").asDouble(),
                run.get("holdout_accuracy").asDouble(),
                Double.isNaN(ttt.seconds()) ? "target accuracy not reached"
                        : String.format(Locale.ROOT, "target accuracy after %.1f s", ttt.seconds()),
                1000 / run.get("versions_per_second").asDouble(), rt.quantile(0.5),
                run.get("gradient_compute_p50_ms").asDouble());
        return run;
    }

    // ---- peers ----

    private void dl4j(ChildJvm children, Path trainFile, Path holdoutFile, ObjectNode peers, ObjectNode skipped)
            throws Exception {
        for (int threads : threadCounts()) {
            ObjectNode request = request(workload.config());
            request.put("data", trainFile.toString());
            request.put("holdout", holdoutFile.toString());
            request.put("runs", runs);
            request.put("threads", threads);
            try {
                Dl4jPeer.configuration(workload.config(), workload.architecture());
            } catch (IllegalArgumentException e) {
                skipped.put("dl4j", e.getMessage());
                out.println("  DL4J peer skipped: " + e.getMessage());
                return;
            }
            ChildJvm.Outcome o = children.run("dl4j-t" + threads, "dl4j", request, threads);
            profiled("dl4j-t" + threads, 0, 0);
            ObjectNode summary = summarize(o.result().get("runs"));
            summary.put("threads", threads);
            summary.put("library", o.result().get("library").asText());
            summary.put("peak_rss_mb", o.result().get("peak_rss_kb").asLong() / 1024.0);
            peers.set("dl4j_t" + threads, summary);
            out.printf(Locale.ROOT, "  DL4J MultiLayerNetwork, in memory, %d thread(s): %,.0f rows/s, held-out accuracy %.4f%n",
                    threads, summary.get("rows_per_second").asDouble(), summary.get("holdout_accuracy").asDouble());
        }
    }

    private void torch(Path work, String bootstrap, String rowsTopic, int partitions, long rows, Path trainFile,
            Path holdoutFile, ObjectNode peers, ObjectNode skipped) throws Exception {
        Object found = PythonPeer.find(python, work, timeout);
        if (found instanceof String why) {
            skipped.put("torch", why);
            out.println("  PyTorch peers skipped: " + why);
            return;
        }
        PythonPeer peer = (PythonPeer) found;
        StreamtrainConfig config = workload.config();
        for (String mode : List.of("memory", "kafka")) {
            for (int threads : threadCounts()) {
                ObjectNode request = Json.MAPPER.createObjectNode();
                request.put("mode", mode);
                request.put("threads", threads);
                request.put("runs", runs);
                request.put("data", trainFile.toString());
                request.put("holdout", holdoutFile.toString());
                ArrayNode layers = request.putArray("layers");
                for (int s : workload.architecture().sizes()) {
                    layers.add(s);
                }
                request.put("hidden_activation", config.get(ModelOptions.HIDDEN_ACTIVATION));
                request.put("optimizer", config.get(OptimizerOptions.NAME));
                request.put("learning_rate", config.get(OptimizerOptions.LEARNING_RATE));
                request.put("l2", config.get(OptimizerOptions.L2));
                request.put("beta1", config.get(OptimizerOptions.BETA1));
                request.put("beta2", config.get(OptimizerOptions.BETA2));
                request.put("epsilon", config.get(OptimizerOptions.EPSILON));
                request.put("schedule", config.get(OptimizerOptions.SCHEDULE));
                request.put("schedule_step_size", config.get(OptimizerOptions.SCHEDULE_STEP_SIZE));
                request.put("schedule_gamma", config.get(OptimizerOptions.SCHEDULE_GAMMA));
                request.put("step_rows", workload.stepRows());
                request.put("seed", config.get(ModelOptions.SEED));
                request.put("bootstrap", bootstrap);
                request.put("topic", rowsTopic);
                request.put("partitions", partitions);
                request.put("rows", rows);
                request.put("feature_scale", workload.featureScale());
                request.put("format", config.get(DataOptions.FORMAT));
                String name = "torch_" + mode + "_t" + threads;
                JsonNode result = peer.run(name, request);
                ObjectNode summary = summarize(result.get("runs"));
                summary.put("threads", result.get("threads").asInt());
                summary.put("library", result.get("library").asText());
                summary.put("interpreter", peer.interpreter().toString());
                String blas = result.path("blas").asText("unknown");
                summary.put("blas", blas);
                if (!blasReported) {
                    blasReported = true;
                    out.println("  PyTorch BLAS: " + blas);
                    if (blas.contains("/blas/libblas")) {
                        out.println("  WARNING: PyTorch runs on the reference BLAS, far slower than an optimized one: "
                                + "apt-get install libopenblas0-pthread (Debian) before comparing with it");
                    }
                }
                summary.put("peak_rss_mb", result.get("peak_rss_kb").asLong() / 1024.0);
                peers.set(name, summary);
                out.printf(Locale.ROOT, "  PyTorch %s, %d thread(s): %,.0f rows/s, held-out accuracy %.4f%n",
                        mode.equals("memory") ? "in memory" : "from Kafka", threads,
                        summary.get("rows_per_second").asDouble(), summary.get("holdout_accuracy").asDouble());
            }
        }
    }

    /** Summarizes the child's flight recording over the measured interval, when profiling. */
    private void profiled(String label, long fromMillis, long toMillis) throws IOException {
        if (profileDir != null) {
            Path jfr = profileDir.resolve(label + ".jfr");
            if (Files.exists(jfr)) {
                out.println("    profile: " + ProfileSummary.write(jfr, fromMillis, toMillis, "wall".equals(profile)));
            }
        }
    }

    private int[] threadCounts() {
        return quick ? new int[] {1} : new int[] {1, 2};
    }

    // ---- data ----

    /**
     * Writes rows to a topic (unless it is null), {@code rowsPerMessage} back to back a message,
     * message i to partition i mod partitions (as {@code produce} does), and parses each row with
     * the job's row format into a data file; returns the number of rows.
     */
    private long produce(String bootstrap, String topic, int partitions, int rowsPerMessage, Iterator<byte[]> rows,
            Path dataFile) throws Exception {
        RowFormat format = workload.format();
        float[] x = new float[format.features()];
        float[] y = new float[format.labelWidth()];
        try (DataFile.Writer file = new DataFile.Writer(dataFile, format.features(), format.labelWidth())) {
            // every row goes to the data file as it is handed to the producer
            Iterator<byte[]> parsed = new Iterator<>() {
                private long i;

                @Override
                public boolean hasNext() {
                    return rows.hasNext();
                }

                @Override
                public byte[] next() {
                    byte[] row = rows.next();
                    String reason = format.parse(row, x, 0, y, 0);
                    if (reason != null) {
                        throw new IllegalStateException("row " + i + " for " + dataFile.getFileName()
                                + " does not parse: " + reason);
                    }
                    try {
                        file.add(x, 0, y, 0);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    i++;
                    return row;
                }
            };
            if (topic == null) {
                long n = 0;
                for (; parsed.hasNext(); n++) {
                    parsed.next();
                }
                return n;
            }
            return new SendRows(bootstrap, topic, Map.of()).send(parsed, rowsPerMessage, partitions, 0, n -> {}).rows();
        }
    }

    // ---- helpers ----

    private ObjectNode request(StreamtrainConfig config) {
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.set("config", Json.MAPPER.valueToTree(config.values()));
        return request;
    }

    private ObjectNode flinkRequest(StreamtrainConfig config, String bootstrap, String rowsTopic,
            Map<String, Long> stopAt) {
        ObjectNode request = request(config);
        request.put("bootstrap", bootstrap);
        request.put("rows_topic", rowsTopic);
        request.set("stop_at", Json.MAPPER.valueToTree(stopAt));
        request.put("timeout_seconds", timeout.toSeconds());
        return request;
    }

    /**
     * The median over runs of every number the runs share, and the runs themselves; texts are
     * taken from the first run.
     */
    static ObjectNode summarize(JsonNode runs) {
        ObjectNode summary = Json.MAPPER.createObjectNode();
        JsonNode firstRun = runs.get(0);
        for (Iterator<String> it = firstRun.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (firstRun.get(key).isNumber()) {
                List<Double> values = new ArrayList<>();
                runs.forEach(r -> values.add(r.has(key) ? r.get(key).asDouble() : Double.NaN));
                summary.put(key, Stats.median(values));
            } else {
                summary.set(key, firstRun.get(key));
            }
        }
        summary.set("runs", runs);
        return summary;
    }

    private static long countFinite(ArrayNode runs, String key) {
        long n = 0;
        for (JsonNode r : runs) {
            if (r.get(key).isNumber() && Double.isFinite(r.get(key).asDouble())) {
                n++;
            }
        }
        return n;
    }

    private static double[] doubles(JsonNode array) {
        double[] v = new double[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = array.get(i).asDouble();
        }
        return v;
    }

    static String optimizerText(StreamtrainConfig config) {
        String text = config.get(OptimizerOptions.NAME) + " lr " + config.get(OptimizerOptions.LEARNING_RATE);
        if (!config.get(OptimizerOptions.SCHEDULE).equals("constant")) {
            text += " (" + config.get(OptimizerOptions.SCHEDULE) + " schedule)";
        }
        if (config.get(OptimizerOptions.L2) > 0) {
            text += ", L2 " + config.get(OptimizerOptions.L2);
        }
        return text;
    }

    private static void deleteTopic(String bootstrap, String topic) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        try (Admin admin = Admin.create(p)) {
            admin.deleteTopics(List.of(topic)).all().get(java.util.concurrent.TimeUnit.SECONDS.toMillis(30),
                    java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void deleteQuietly(Path dir) {
        try {
            deleteTree(dir);
        } catch (IOException | RuntimeException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
