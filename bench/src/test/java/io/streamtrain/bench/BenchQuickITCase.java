package io.streamtrain.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench --quick} end to end, as CI's smoke test of the harness: a real broker, the job on
 * MiniClusters in child JVMs, the DL4J peer, the PyTorch peers where Python has torch and
 * kafka. Checks that the report has every figure and that every run saw every row; never how
 * fast anything was.
 */
class BenchQuickITCase {

    @Test
    void quickBenchmarkReportsEveryFigure(@TempDir Path results) throws Exception {
        Path root = Path.of(System.getProperty("streamtrain.root", "..")).toAbsolutePath().normalize();
        Workload workload = Workload.open("seed", true, root, Map.of());
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        Benchmark.Written written;
        try (PrintStream out = new PrintStream(console, true, StandardCharsets.UTF_8)) {
            written = new Benchmark(root, workload, 1, true, results, null, "1g", null, Duration.ofMinutes(5),
                    Set.of(), out).run();
        }
        String printed = console.toString(StandardCharsets.UTF_8);
        System.out.println(printed);

        List<Path> files;
        try (Stream<Path> list = Files.list(results)) {
            files = list.sorted().toList();
        }
        assertThat(files).containsExactlyInAnyOrder(written.json(), written.markdownFile());
        JsonNode r = Json.MAPPER.readTree(written.json().toFile());
        assertThat(r.get("workload").asText()).isEqualTo("seed");
        for (String key : List.of("compute_ceiling.rows_per_second", "input_ceiling.rows_per_second",
                "input_ceiling.p2.rows_per_second", "end_to_end.p1.rows_per_second", "end_to_end.p2.rows_per_second",
                "end_to_end.p2.holdout_accuracy", "end_to_end.p2.round_trip_ms.p99", "end_to_end.p2.startup_seconds",
                "end_to_end.p2.job_seconds", "input_ceiling.job_seconds",
                "end_to_end.p2.peak_rss_mb", "end_to_end.p2.cpu_seconds_per_million_rows",
                "peers.dl4j_t1.rows_per_second", "machine.cores", "machine.memory_mb")) {
            assertThat(at(r, key).isNumber()).as(key).isTrue();
            assertThat(at(r, key).asDouble()).as(key).isPositive().isFinite();
        }
        // the whole job holds its start-up and its training
        assertThat(at(r, "end_to_end.p2.job_seconds").asDouble()).isGreaterThan(at(r, "end_to_end.p2.startup_seconds")
                .asDouble() + at(r, "end_to_end.p2.seconds").asDouble() - 0.001);
        // a round trip can take less than a millisecond
        assertThat(at(r, "end_to_end.p2.round_trip_ms.p50").asDouble()).isFinite().isGreaterThanOrEqualTo(0);
        for (String key : List.of("machine.cpu_model", "machine.jdk", "machine.git_commit", "machine.date")) {
            assertThat(at(r, key).asText()).as(key).isNotBlank();
        }
        // the CPU build: the ceiling says it ran on ND4J's CPU backend, and the table says so too
        assertThat(at(r, "compute_ceiling.nd4j_backend").asText()).startsWith("CPU").endsWith("[ND4J CpuBackend]");
        assertThat(Files.readString(written.markdownFile())).contains("ND4J (compute ceiling): CPU");

        long rows = Workload.QUICK_SEED_ROWS;
        assertThat(at(r, "compute_ceiling.runs").get(0).get("rows").asLong()).isEqualTo(rows);
        assertThat(at(r, "input_ceiling.runs").get(0).get("rows").asLong()).isEqualTo(rows);
        assertThat(at(r, "input_ceiling.p2.runs").get(0).get("rows").asLong()).isEqualTo(rows);
        for (String p : List.of("p1", "p2")) {
            JsonNode run = at(r, "end_to_end." + p + ".runs").get(0);
            assertThat(run.get("rows").asLong()).as(p).isEqualTo(rows);
            // one round-trip sample per version (steps of 2 x 1,024 rows, the last one partial)
            assertThat(run.get("round_trip_samples").asLong()).as(p).isEqualTo(run.get("versions").asLong());
        }
        assertThat(at(r, "peers.dl4j_t1.runs").get(0).get("rows").asLong()).isEqualTo(rows);

        if (r.get("peers_skipped").has("torch")) {
            assertThat(printed).contains("PyTorch peers skipped: " + r.get("peers_skipped").get("torch").asText());
        } else {
            for (String peer : List.of("torch_memory_t1", "torch_kafka_t1")) {
                assertThat(at(r, "peers." + peer + ".rows_per_second").asDouble()).as(peer).isPositive().isFinite();
                assertThat(at(r, "peers." + peer + ".runs").get(0).get("rows").asLong()).as(peer).isEqualTo(rows);
            }
        }
        assertThat(printed).contains("| **end to end** | p2 |").contains("| target (issue 7) |");
        assertThat(written.markdown()).isEqualTo(Files.readString(written.markdownFile()));
    }

    private static JsonNode at(JsonNode r, String dotted) {
        JsonNode n = r;
        for (String part : dotted.split("\\.")) {
            n = n.path(part);
        }
        return n;
    }
}
