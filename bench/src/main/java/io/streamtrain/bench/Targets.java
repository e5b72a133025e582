package io.streamtrain.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/** Checks the measured figures against the targets of issue 7, for the report (never in tests). */
final class Targets {
    /** Accuracy a peer may beat ours by and still count as "equal": about one standard error on 10,000 rows. */
    static final double ACCURACY_MARGIN = 0.005;

    private Targets() {}

    static ArrayNode evaluate(ObjectNode report, Workload.Targets t) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        JsonNode p1 = report.path("end_to_end").path("p1");
        JsonNode p2 = report.path("end_to_end").path("p2");
        double rps2 = p2.path("rows_per_second").asDouble(Double.NaN);
        double rps1 = p1.path("rows_per_second").asDouble(Double.NaN);
        double ceiling = report.path("compute_ceiling").path("rows_per_second").asDouble(Double.NaN);
        double acc2 = p2.path("holdout_accuracy").asDouble(Double.NaN);

        if (!Double.isNaN(t.rowsPerSecond())) {
            add(out, "end to end, parallelism 2: rows/s", String.format(Locale.ROOT, ">= %,.0f", t.rowsPerSecond()),
                    rps2, fmt(rps2, "%,.0f") + ratio(rps2 / t.rowsPerSecond()), rps2 >= t.rowsPerSecond());
        }
        double share = rps2 / (2 * ceiling);
        add(out, "end to end p2 / (2 x compute ceiling)",
                Double.isNaN(t.ceilingShare()) ? "-" : String.format(Locale.ROOT, ">= %.2f", t.ceilingShare()), share,
                fmt(share, "%.3f"), Double.isNaN(t.ceilingShare()) ? null : share >= t.ceilingShare());
        add(out, "end to end, parallelism 2: held-out accuracy", String.format(Locale.ROOT, ">= %.2f", t.accuracy()),
                acc2, fmt(acc2, "%.4f"), acc2 >= t.accuracy());
        double scaling = rps2 / rps1;
        add(out, "end to end p2 / p1",
                Double.isNaN(t.scaling()) ? "-" : String.format(Locale.ROOT, ">= %.1f", t.scaling()), scaling,
                fmt(scaling, "%.2f"), Double.isNaN(t.scaling()) ? null : scaling >= t.scaling());
        double p99 = p2.path("round_trip_ms").path("p99").asDouble(Double.NaN);
        // a run of fewer than 100 versions has no p99 but its slowest version: say so
        long samples = p2.path("round_trip_samples").asLong(0);
        String few = samples > 0 && samples < 100
                ? String.format(Locale.ROOT, " (the slowest of %d versions)", samples) : "";
        add(out, "parameter round trip p99 at full load (p2)",
                String.format(Locale.ROOT, "<= %.0f ms", t.roundTripP99Millis()), p99, fmt(p99, "%.0f ms") + few,
                p99 <= t.roundTripP99Millis());

        String fastest = null;
        double fastestRps = 0;
        boolean ahead = true;
        for (Iterator<Map.Entry<String, JsonNode>> it = report.path("peers").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> peer = it.next();
            double rps = peer.getValue().path("rows_per_second").asDouble(Double.NaN);
            double acc = peer.getValue().path("holdout_accuracy").asDouble(Double.NaN);
            if (rps > fastestRps) {
                fastestRps = rps;
                fastest = peer.getKey();
            }
            ahead &= rps2 > rps && acc2 >= acc - ACCURACY_MARGIN;
        }
        if (fastest != null) {
            add(out, "ahead of every peer on rows/s, at equal or better accuracy (within "
                    + ACCURACY_MARGIN + ")", "> every peer", rps2 / fastestRps,
                    String.format(Locale.ROOT, "fastest peer %s: %,.0f rows/s; ours %.2fx", fastest, fastestRps,
                            rps2 / fastestRps), ahead);
        }
        return out;
    }

    private static void add(ArrayNode out, String name, String required, double value, String measured, Boolean met) {
        ObjectNode t = out.addObject();
        t.put("target", name);
        t.put("required", required);
        t.put("value", Json.finite(value));
        t.put("measured", measured);
        if (met == null || Double.isNaN(value)) {
            t.putNull("met");
        } else {
            t.put("met", met);
        }
    }

    private static String fmt(double v, String format) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, format, v) : "n/a";
    }

    private static String ratio(double r) {
        return Double.isFinite(r) ? String.format(Locale.ROOT, " (%.2fx)", r) : "";
    }
}
