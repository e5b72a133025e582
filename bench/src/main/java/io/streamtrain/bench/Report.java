package io.streamtrain.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/** The one markdown table of a benchmark report (and its targets), from the report's JSON. */
final class Report {
    private Report() {}

    static String markdown(JsonNode r) {
        StringBuilder md = new StringBuilder();
        JsonNode m = r.path("machine");
        double target = r.path("target_accuracy").asDouble(Double.NaN);
        md.append(String.format(Locale.ROOT, "#### `bench --workload %s%s`: %s; %s, %s, steps of %d x %d rows; median of %d run(s)%n%n",
                r.path("workload").asText(), r.path("quick").asBoolean() ? " --quick" : "", r.path("description").asText(),
                r.path("network").asText(), r.path("optimizer").asText(), r.path("window_blocks").asInt(),
                r.path("batch_size").asInt(), r.path("runs").asInt()));
        md.append(String.format(Locale.ROOT, "%s: %d cores (%s), %.1f GiB, %s, commit %s%s, %s; load average %.1f at the start, %.1f at the end%s%n%n",
                r.path("config_file").asText(), m.path("cores").asInt(), m.path("cpu_model").asText(),
                m.path("memory_mb").asDouble() / 1024, m.path("jdk").asText(),
                abbreviate(m.path("git_commit").asText()), m.path("git_dirty").asBoolean() ? " (with local changes)" : "",
                m.path("date").asText(), m.path("load_average_start").asDouble(), m.path("load_average_end").asDouble(),
                m.path("load_average_start").asDouble() > m.path("cores").asInt() / 2.0
                        ? ". **Measured on a loaded machine: not performance results.**" : ""));
        String nd4j = r.path("compute_ceiling").path("nd4j_backend").asText("");
        if (!nd4j.isEmpty()) {
            md.append("ND4J (compute ceiling): ").append(nd4j).append("\n\n");
        }
        String blas = r.path("peers").path("torch_memory_t1").path("blas").asText("");
        if (!blas.isEmpty()) {
            md.append("BLAS of the PyTorch peers: ").append(blas).append("\n\n");
        }
        md.append(String.format(Locale.ROOT, "| measurement | threads | rows/s | held-out acc. | time to %s | start-up / whole job | CPU s / M rows | round trip p50 / p99 | snapshot write p50 / final | peak RSS |%n",
                Double.isNaN(target) ? "target" : String.format(Locale.ROOT, "%.2f", target)));
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        JsonNode cc = r.path("compute_ceiling");
        if (!cc.isMissingNode()) {
            row(md, "compute ceiling: ReferenceTrainer, in memory", "1", cc);
        }
        JsonNode ic = r.path("input_ceiling");
        if (!ic.isMissingNode()) {
            row(md, "input ceiling: Kafka source + row-parser + shuffle, discarding sink", "p1", ic);
            row(md, "input ceiling", "p2", ic.path("p2"));
        }
        JsonNode e2e = r.path("end_to_end");
        if (!e2e.isMissingNode()) {
            row(md, "**end to end** (first row read to final snapshot)", "p1", e2e.path("p1"));
            row(md, "**end to end**", "p2", e2e.path("p2"));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = r.path("peers").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            row(md, peerName(p.getKey()), p.getValue().path("threads").asText(), p.getValue());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = r.path("peers_skipped").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            md.append("| ").append(p.getKey()).append(": skipped (").append(p.getValue().asText().replace("|", "/"))
                    .append(") | | | | | | | | | |\n");
        }
        md.append("\n| target (issue 7) | required | measured | met |\n|---|---|---|---|\n");
        for (JsonNode t : r.path("targets")) {
            JsonNode met = t.path("met");
            md.append("| ").append(t.path("target").asText()).append(" | ").append(t.path("required").asText())
                    .append(" | ").append(t.path("measured").asText()).append(" | ")
                    .append(met.isBoolean() ? (met.asBoolean() ? "yes" : "**no**") : "-").append(" |\n");
        }
        return md.toString();
    }

    private static void row(StringBuilder md, String name, String threads, JsonNode s) {
        md.append("| ").append(name).append(" | ").append(threads)
                .append(" | ").append(num(s.path("rows_per_second"), "%,.0f"))
                .append(" | ").append(num(s.path("holdout_accuracy"), "%.4f"))
                .append(" | ").append(timeToTarget(s))
                .append(" | ").append(startup(s))
                .append(" | ").append(num(s.path("cpu_seconds_per_million_rows"), "%.1f"))
                .append(" | ").append(pair(s.path("round_trip_ms"), "p50", "p99", "%.0f", " ms"))
                .append(" | ").append(pair(s.path("snapshot_write_ms"), "p50", "final", "%.1f", " ms"))
                .append(" | ").append(num(s.path("peak_rss_mb"), "%,.0f MB"))
                .append(" |\n");
    }

    /** Launch to the first row read, and where measured launch to the end (the last row, or the final snapshot). */
    private static String startup(JsonNode s) {
        String startup = num(s.path("startup_seconds"), "%.1f s");
        String job = num(s.path("job_seconds"), "%.1f s");
        return startup.isEmpty() || job.isEmpty() ? startup : startup + " / " + job;
    }

    private static String timeToTarget(JsonNode s) {
        if (!s.has("time_to_target_reached")) {
            return "";
        }
        String reached = s.path("time_to_target_reached").asText();
        String t = num(s.path("time_to_target_seconds"), "%.1f s");
        return (t.isEmpty() ? "not reached" : t) + (reached.startsWith(s.path("runs").size() + " of") ? ""
                : " (" + reached + " runs)");
    }

    private static String pair(JsonNode o, String a, String b, String format, String unit) {
        if (o.isMissingNode()) {
            return "";
        }
        return num(o.path(a), format) + " / " + num(o.path(b), format) + unit;
    }

    private static String num(JsonNode n, String format) {
        if (!n.isNumber() || !Double.isFinite(n.asDouble())) {
            return "";
        }
        return String.format(Locale.ROOT, format, n.asDouble());
    }

    private static String peerName(String key) {
        if (key.startsWith("dl4j")) {
            return "DL4J MultiLayerNetwork, in memory";
        }
        if (key.startsWith("torch_memory")) {
            return "PyTorch loop, in memory";
        }
        if (key.startsWith("torch_kafka")) {
            return "PyTorch loop, from Kafka (kafka-python)";
        }
        return key;
    }

    private static String abbreviate(String commit) {
        return commit.length() > 10 ? commit.substring(0, 10) : commit;
    }
}
