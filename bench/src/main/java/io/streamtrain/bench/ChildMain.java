package io.streamtrain.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * The entry point of the harness's child JVMs: {@code ChildMain MODE REQUEST.json RESULT.json}
 * with MODE one of compute, dl4j, input, e2e. Each child measures one thing on its own, so its
 * CPU time and peak memory are that thing's alone; it adds both to its result.
 */
public final class ChildMain {
    private ChildMain() {}

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        JsonNode request = Json.MAPPER.readTree(Path.of(args[1]).toFile());
        ObjectNode result = switch (mode) {
            case "compute" -> ComputeCeiling.run(request);
            case "dl4j" -> Dl4jPeer.run(request);
            case "input", "e2e" -> FlinkRun.run(mode, request);
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        };
        result.put("process_cpu_seconds", ProcessStats.cpuNanos() / 1e9);
        result.put("peak_rss_kb", ProcessStats.peakRssKb());
        Json.MAPPER.writeValue(Path.of(args[2]).toFile(), result);
        // the MiniCluster and ND4J leave non-daemon threads behind
        System.exit(0);
    }
}
