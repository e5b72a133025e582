package io.streamtrain.bench;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Parameter round trips of one run, from the gradient workers' {@code parameterRoundTripMillis}
 * histograms: one sample per version per worker. A version has reached every worker when the
 * slowest has it, so where the workers' histograms hold the same sample numbers (they saw the
 * same count of versions) the sample of a version is the maximum over the workers; otherwise the
 * samples of all workers are pooled, and {@link #method} says so.
 */
record RoundTrip(long[] samples, String method) {

    static RoundTrip of(JsonNode histograms) {
        int workers = histograms.size();
        if (workers == 0) {
            return new RoundTrip(new long[0], "no samples");
        }
        long count = histograms.get(0).get("count").asLong();
        int length = histograms.get(0).get("values").size();
        boolean aligned = true;
        for (JsonNode h : histograms) {
            aligned &= h.get("count").asLong() == count && h.get("values").size() == length;
        }
        if (!aligned) {
            return pooled(histograms);
        }
        long[] max = new long[length];
        for (JsonNode h : histograms) {
            JsonNode values = h.get("values");
            for (int i = 0; i < length; i++) {
                max[i] = Math.max(max[i], values.get(i).asLong());
            }
        }
        return new RoundTrip(max, workers == 1 ? "per version (one worker)"
                : "per version, the slowest of " + workers + " workers");
    }

    static RoundTrip pooled(JsonNode histograms) {
        int total = 0;
        for (JsonNode h : histograms) {
            total += h.get("values").size();
        }
        long[] all = new long[total];
        int n = 0;
        for (JsonNode h : histograms) {
            for (JsonNode v : h.get("values")) {
                all[n++] = v.asLong();
            }
        }
        return new RoundTrip(all, "pooled over " + histograms.size() + " histogram(s)");
    }

    double quantile(double q) {
        return Stats.quantile(samples, q);
    }
}
