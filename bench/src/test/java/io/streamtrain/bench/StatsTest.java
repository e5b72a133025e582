package io.streamtrain.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void medianOfOddAndEvenCountsSkipsNonFiniteValues() {
        assertThat(Stats.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
        assertThat(Stats.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
        assertThat(Stats.median(List.of(5.0, Double.NaN, 1.0))).isEqualTo(3.0);
        assertThat(Stats.median(List.of(Double.NaN))).isNaN();
    }

    @Test
    void quantilesByNearestRank() {
        long[] v = new long[100];
        for (int i = 0; i < 100; i++) {
            v[i] = 100 - i; // 100 .. 1
        }
        assertThat(Stats.quantile(v, 0.5)).isEqualTo(50);
        assertThat(Stats.quantile(v, 0.99)).isEqualTo(99);
        assertThat(Stats.quantile(v, 1.0)).isEqualTo(100);
        assertThat(Stats.quantile(new long[0], 0.5)).isNaN();
    }

    @Test
    void roundTripOfAVersionIsItsSlowestWorkerWhenTheWorkersSawTheSameVersions() throws Exception {
        JsonNode histograms = Json.MAPPER.readTree("""
                [{"identifier": "w0", "count": 3, "values": [1, 9, 3]},
                 {"identifier": "w1", "count": 3, "values": [4, 2, 3]}]""");
        RoundTrip rt = RoundTrip.of(histograms);
        assertThat(rt.samples()).containsExactly(4, 9, 3);
        assertThat(rt.method()).isEqualTo("per version, the slowest of 2 workers");
    }

    @Test
    void roundTripsArePooledWhenTheWorkersSawDifferentCounts() throws Exception {
        JsonNode histograms = Json.MAPPER.readTree("""
                [{"identifier": "w0", "count": 3, "values": [1, 9, 3]},
                 {"identifier": "w1", "count": 2, "values": [4, 2]}]""");
        RoundTrip rt = RoundTrip.of(histograms);
        assertThat(rt.samples()).containsExactly(1, 9, 3, 4, 2);
        assertThat(rt.method()).startsWith("pooled");
    }

    @Test
    void summaryHoldsTheMedianOfEveryNumberAndTheRuns() throws Exception {
        JsonNode runs = Json.MAPPER.readTree("""
                [{"rows": 10, "rows_per_second": 5.0, "method": "a"},
                 {"rows": 10, "rows_per_second": 9.0, "method": "b"},
                 {"rows": 10, "rows_per_second": 7.0, "method": "c"}]""");
        JsonNode s = Benchmark.summarize(runs);
        assertThat(s.get("rows").asDouble()).isEqualTo(10.0);
        assertThat(s.get("rows_per_second").asDouble()).isEqualTo(7.0);
        assertThat(s.get("method").asText()).isEqualTo("a");
        assertThat(s.get("runs").size()).isEqualTo(3);
    }
}
