package io.streamtrain.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The PyTorch peer ({@code torch_peer.py}) run by a Python interpreter that can import
 * {@code torch}, {@code kafka} (kafka-python) and {@code numpy}: Debian's python3-torch and
 * python3-kafka live in /usr/bin/python3, which another python3 on the PATH (pyenv) may shadow.
 */
final class PythonPeer {
    private static final String PROBE = "import torch, kafka, numpy";

    private final Path interpreter;
    private final Path script;
    private final Path work;
    private final Duration timeout;

    private PythonPeer(Path interpreter, Path script, Path work, Duration timeout) {
        this.interpreter = interpreter;
        this.script = script;
        this.work = work;
        this.timeout = timeout;
    }

    /**
     * The peer, or why there is none.
     *
     * @param preferred an interpreter the user named (null: python3 on the PATH, then /usr/bin/python3)
     */
    static Object find(String preferred, Path work, Duration timeout) throws IOException {
        Set<String> candidates = new LinkedHashSet<>();
        if (preferred != null) {
            candidates.add(preferred);
        } else {
            candidates.add("python3");
            candidates.add("/usr/bin/python3");
        }
        List<String> failures = new ArrayList<>();
        for (String candidate : candidates) {
            String problem = probe(candidate);
            if (problem == null) {
                Path script = work.resolve("torch_peer.py");
                try (InputStream in = PythonPeer.class.getResourceAsStream("torch_peer.py")) {
                    Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
                }
                return new PythonPeer(Path.of(candidate), script, work, timeout);
            }
            failures.add(candidate + ": " + problem);
        }
        return "no Python interpreter imports torch, kafka and numpy (" + String.join("; ", failures)
                + "); on Debian: apt-get install python3-torch python3-kafka";
    }

    private static String probe(String python) {
        try {
            Process p = new ProcessBuilder(python, "-c", PROBE).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "did not answer within 60 s";
            }
            if (p.exitValue() != 0) {
                String[] lines = out.split("\n");
                return lines[lines.length - 1];
            }
            return null;
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    Path interpreter() {
        return interpreter;
    }

    JsonNode run(String label, ObjectNode request) throws Exception {
        Path requestFile = work.resolve(label + ".request.json");
        Path resultFile = work.resolve(label + ".result.json");
        Path log = work.resolve(label + ".log");
        Json.MAPPER.writeValue(requestFile.toFile(), request);
        ProcessBuilder pb = new ProcessBuilder(interpreter.toString(), script.toString(), requestFile.toString(),
                resultFile.toString()).redirectErrorStream(true).redirectOutput(log.toFile());
        // torch.set_num_threads sets the intra-op threads; OpenMP and MKL read these first
        String threads = request.get("threads").asText();
        pb.environment().put("OMP_NUM_THREADS", threads);
        pb.environment().put("MKL_NUM_THREADS", threads);
        Process p = pb.start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(label + " did not finish within " + timeout + "; log: " + log + "\n"
                        + ChildJvm.tail(log));
            }
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
        if (p.exitValue() != 0 || !Files.exists(resultFile)) {
            throw new IllegalStateException(label + " failed (exit code " + p.exitValue() + "); log: " + log + "\n"
                    + ChildJvm.tail(log));
        }
        return Json.MAPPER.readTree(resultFile.toFile());
    }
}
