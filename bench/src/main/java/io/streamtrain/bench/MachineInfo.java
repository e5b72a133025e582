package io.streamtrain.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;

/** What a benchmark result must say about where it ran: machine, JDK, code, date and load. */
final class MachineInfo {
    private MachineInfo() {}

    static ObjectNode collect(Path root) {
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("memory_mb", meminfoKb("MemTotal:") / 1024);
        m.put("cpu_model", cpuModel());
        m.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        m.put("git_commit", git(root, "rev-parse", "HEAD"));
        String status = git(root, "status", "--porcelain", "--untracked-files=no");
        m.put("git_dirty", !status.isEmpty() && !status.equals("unknown"));
        m.put("date", OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString());
        m.put("load_average_start", loadAverage());
        return m;
    }

    /** The 1-minute load average, NaN where /proc is missing. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static long meminfoKb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return Runtime.getRuntime().maxMemory() / 1024;
        }
        return -1;
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
        return "unknown";
    }

    private static String git(Path root, String... args) {
        try {
            String[] cmd = new String[args.length + 1];
            cmd[0] = "git";
            System.arraycopy(args, 0, cmd, 1, args.length);
            Process p = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return "unknown";
            }
            return out;
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}
