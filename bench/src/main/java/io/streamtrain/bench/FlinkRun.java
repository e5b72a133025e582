package io.streamtrain.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.config.TrainingOptions;
import io.streamtrain.job.StreamtrainJob;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.common.TopicPartition;

/**
 * Runs, in a child JVM of the harness, one job on a Flink MiniCluster against the harness's
 * broker, on a topic that already holds every row: either the whole training job (mode
 * {@code e2e}) or its input half ending in a discarding sink (mode {@code input}). Reports the
 * probes' timestamps and CPU times, and the latency histograms.
 */
final class FlinkRun {
    private FlinkRun() {}

    static ObjectNode run(String mode, JsonNode request) throws Exception {
        StreamtrainConfig config = StreamtrainConfig.of(Json.stringMap(request.get("config")));
        if (mode.equals("input")) {
            // no versions are published: the input ceiling reads unbounded
            config = config.with(Map.of(TrainingOptions.READ_AHEAD.key(), "0"));
        }
        String bootstrap = request.get("bootstrap").asText();
        Map<TopicPartition, Long> stopAt = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = request.get("stop_at").fields();
        String topic = request.get("rows_topic").asText();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            stopAt.put(new TopicPartition(topic, Integer.parseInt(e.getKey())), e.getValue().asLong());
        }
        Duration timeout = Duration.ofSeconds(request.get("timeout_seconds").asLong());

        Configuration flink = new Configuration();
        flink.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        flink.set(RestOptions.ADDRESS, "127.0.0.1");
        flink.setString("metrics.reporter.bench.factory.class", CollectHistograms.Factory.class.getName());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(config.parallelism(), flink);
        env.setParallelism(config.parallelism());

        long start = System.currentTimeMillis();
        StreamtrainJob job = StreamtrainJob.fromConfig(config, bootstrap, stopAt, start - 1, new FirstRowProbe())
                .withSnapshotSink(TimedSnapshotSink::new);
        if (mode.equals("input")) {
            job.buildInput(env)
                    .keyBy(new StreamtrainJob.ShardKey(), org.apache.flink.api.common.typeinfo.Types.INT)
                    .sinkTo(new DiscardBlocks()).name("discarding-sink").setParallelism(config.parallelism());
        } else {
            job.build(env);
        }
        long submit = System.currentTimeMillis();
        CpuProfile profile = request.hasNonNull("cpu_profile")
                ? CpuProfile.fromFirstRow(java.nio.file.Path.of(request.get("cpu_profile").asText()),
                        request.path("cpu_profile_event").asText("cpu").equals("wall")) : null;
        JobClient client = env.executeAsync(config.get(io.streamtrain.config.JobOptions.NAME) + "-bench-" + mode);
        var result = client.getJobExecutionResult();
        try {
            result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            client.cancel().get(30, TimeUnit.SECONDS);
            throw new IllegalStateException("the " + mode + " job did not finish within " + timeout + "; cancelled it");
        }
        long end = System.currentTimeMillis();

        ObjectNode out = Json.MAPPER.createObjectNode();
        if (profile != null) {
            out.put("cpu_profile", profile.stop());
        }
        out.put("jvm_start_millis", java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime());
        out.put("submit_millis", submit);
        out.put("job_end_millis", end);
        out.put("first_row_millis", Probes.firstRowMillis.get());
        out.put("first_row_cpu_nanos", Probes.firstRowCpuNanos.get());
        if (mode.equals("input")) {
            out.put("rows", Probes.blockedRows.get());
            out.put("last_block_millis", Probes.lastBlockMillis.get());
        } else {
            out.put("final_snapshot_millis", Probes.finalSnapshotMillis.get());
            out.put("final_snapshot_cpu_nanos", Probes.finalSnapshotCpuNanos.get());
            out.put("final_version", Probes.finalSnapshotVersion.get());
            ArrayNode writes = out.putArray("snapshot_write_ms");
            Probes.snapshotWrites().forEach(writes::add);
            out.set("round_trip_ms", histograms(CollectHistograms.ROUND_TRIP));
            out.set("snapshot_lag_ms", histograms(CollectHistograms.SNAPSHOT_LAG));
            out.set("gradient_compute_us", histograms(CollectHistograms.GRADIENT_COMPUTE));
        }
        return out;
    }

    private static ArrayNode histograms(String name) {
        ArrayNode all = Json.MAPPER.createArrayNode();
        for (CollectHistograms.Samples s : CollectHistograms.samples(name)) {
            ObjectNode h = all.addObject();
            h.put("identifier", s.identifier());
            h.put("count", s.count());
            ArrayNode values = h.putArray("values");
            for (long v : s.values()) {
                values.add(v);
            }
        }
        return all;
    }
}
