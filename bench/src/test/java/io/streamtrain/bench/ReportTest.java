package io.streamtrain.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class ReportTest {
    private static final String REPORT = """
            {"workload": "seed", "quick": false, "runs": 3, "description": "5,000,000 seed rows",
             "network": "2-2-2", "optimizer": "sgd lr 0.1", "batch_size": 1024, "window_blocks": 2,
             "target_accuracy": 0.99, "config_file": "config/bench-seed.yaml",
             "machine": {"cores": 2, "cpu_model": "cpu", "memory_mb": 24000, "jdk": "jdk 17", "git_commit": "abcdef0123456",
                         "git_dirty": false, "date": "2026-01-01", "load_average_start": 12.0, "load_average_end": 11.0},
             "compute_ceiling": {"rows_per_second": 800000, "holdout_accuracy": 0.9995, "runs": [{}]},
             "input_ceiling": {"rows_per_second": 300000, "startup_seconds": 5.0, "runs": [{}],
                               "p2": {"rows_per_second": 500000, "runs": [{}]}},
             "end_to_end": {
               "p1": {"rows_per_second": 100000, "holdout_accuracy": 0.995, "time_to_target_seconds": 3.5,
                      "startup_seconds": 4.0, "job_seconds": 54.0,
                      "time_to_target_reached": "3 of 3", "round_trip_ms": {"p50": 4, "p99": 20},
                      "snapshot_write_ms": {"p50": 1.5, "final": 2.0}, "runs": [{}, {}, {}]},
               "p2": {"rows_per_second": 150000, "holdout_accuracy": 0.996, "time_to_target_seconds": null,
                      "time_to_target_reached": "0 of 3", "round_trip_ms": {"p50": 5, "p99": 60},
                      "snapshot_write_ms": {"p50": 1.5, "final": 2.0}, "runs": [{}, {}, {}]}},
             "peers": {"dl4j_t1": {"rows_per_second": 400000, "holdout_accuracy": 0.9995, "threads": 1}},
             "peers_skipped": {"torch": "no Python interpreter imports torch"}}""";

    @Test
    void aRoundTripP99OfFewerThan100VersionsIsCalledTheSlowest() throws Exception {
        ObjectNode report = (ObjectNode) Json.MAPPER.readTree(REPORT);
        ((ObjectNode) report.get("end_to_end").get("p2")).put("round_trip_samples", 44);
        report.set("targets", Targets.evaluate(report,
                new Workload.Targets(1_000_000, Double.NaN, 0.99, Double.NaN, 50)));
        assertThat(Report.markdown(report))
                .contains("| parameter round trip p99 at full load (p2) | <= 50 ms | 60 ms (the slowest of 44 versions) | **no** |");
        ((ObjectNode) report.get("end_to_end").get("p2")).put("round_trip_samples", 351);
        report.set("targets", Targets.evaluate(report,
                new Workload.Targets(1_000_000, Double.NaN, 0.99, Double.NaN, 50)));
        assertThat(Report.markdown(report)).contains("| <= 50 ms | 60 ms | **no** |");
    }

    @Test
    void oneRowPerMeasurementAndTheTargetsWithWhetherTheyWereMet() throws Exception {
        ObjectNode report = (ObjectNode) Json.MAPPER.readTree(REPORT);
        report.set("targets", Targets.evaluate(report,
                new Workload.Targets(1_000_000, Double.NaN, 0.99, Double.NaN, 50)));
        String md = Report.markdown(report);

        assertThat(md).contains("| compute ceiling: ReferenceTrainer, in memory | 1 | 800,000 | 0.9995 |");
        assertThat(md).contains("| input ceiling | p2 | 500,000 |");
        assertThat(md).contains("| **end to end** (first row read to final snapshot) | p1 | 100,000 | 0.9950 | 3.5 s |");
        assertThat(md).contains("| **end to end** | p2 | 150,000 | 0.9960 | not reached (0 of 3 runs) |");
        assertThat(md).contains("| 5 / 60 ms |");
        assertThat(md).contains("| start-up / whole job |");
        assertThat(md).contains("| 3.5 s | 4.0 s / 54.0 s |");
        assertThat(md).as("the input ceiling's start-up, without a whole job").contains("| 5.0 s |");
        assertThat(md).contains("| DL4J MultiLayerNetwork, in memory | 1 | 400,000 | 0.9995 |");
        assertThat(md).contains("| torch: skipped (no Python interpreter imports torch) |");
        assertThat(md).contains("Measured on a loaded machine");
        assertThat(md).contains("| end to end, parallelism 2: rows/s | >= 1,000,000 | 150,000 (0.15x) | **no** |");
        assertThat(md).contains("| end to end p2 / p1 | - | 1.50 | - |");
        assertThat(md).contains("| end to end, parallelism 2: held-out accuracy | >= 0.99 | 0.9960 | yes |");
        assertThat(md).contains("| parameter round trip p99 at full load (p2) | <= 50 ms | 60 ms | **no** |");
        assertThat(md).contains("fastest peer dl4j_t1: 400,000 rows/s; ours 0.38x | **no** |");
        JsonNode share = report.get("targets").get(1);
        assertThat(share.get("value").asDouble()).isEqualTo(150000.0 / 1600000.0);
    }
}
