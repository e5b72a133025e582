package io.streamtrain.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

/**
 * A real standalone Flink session cluster for tests: a JobManager and TaskManagers, each its own
 * {@code java} process (java from {@code java.home}), started like Flink's scripts start them, on a
 * class path of Flink's own jars resolved by Maven (flink-runtime, flink-streaming-java,
 * flink-clients, flink-runtime-web and log4j, with their dependencies; none of the job's), from a
 * {@code config.yaml} derived from the project's {@code config/flink/config.yaml}: loopback
 * addresses, free ports, small memory, directories under the test's work directory.
 *
 * <p>Spoken to through the REST API (Java's HttpClient and Jackson). {@link #close()} and a
 * shutdown hook kill every process it started; {@link #logs()} gives their logs for a failing
 * test.
 */
final class StandaloneFlinkCluster implements AutoCloseable {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path PROJECT_CONFIG = ROOT.resolve("config/flink/config.yaml");
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path work;
    private final Path confDir;
    private final String classPath;
    private final int restPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Thread shutdownHook = new Thread(this::killAll, "kill-flink-test-cluster");
    private int taskManagers;

    private StandaloneFlinkCluster(Path work, String classPath, int restPort) {
        this.work = work;
        this.confDir = work.resolve("conf");
        this.classPath = classPath;
        this.restPort = restPort;
    }

    /**
     * Starts a JobManager and one TaskManager and waits until the TaskManager's slots are registered.
     *
     * @param overrides settings on top of the project's config.yaml and the test's own
     */
    static StandaloneFlinkCluster start(Path work, Map<String, String> overrides) throws Exception {
        Files.createDirectories(work);
        int rpcPort = freePort();
        int restPort = freePort();
        StandaloneFlinkCluster cluster = new StandaloneFlinkCluster(work, flinkClassPath(work), restPort);
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        try {
            cluster.writeConfig(rpcPort, overrides);
            cluster.startJobManager();
            cluster.startTaskManager();
            cluster.awaitSlots(1);
            return cluster;
        } catch (Throwable e) {
            System.err.println(cluster.logs());
            cluster.close();
            throw e;
        }
    }

    String restUrl() {
        return "http://127.0.0.1:" + restPort;
    }

    /** The effective Flink configuration the processes were started with. */
    Configuration configuration() {
        return GlobalConfiguration.loadConfiguration(confDir.toString());
    }

    private void writeConfig(int rpcPort, Map<String, String> overrides) throws IOException {
        Map<String, String> conf = new TreeMap<>();
        JsonNode project = new ObjectMapper(new YAMLFactory()).readTree(PROJECT_CONFIG.toFile());
        project.fields().forEachRemaining(e -> conf.put(e.getKey(), e.getValue().asText()));
        conf.put("jobmanager.rpc.address", "127.0.0.1");
        conf.put("jobmanager.rpc.port", Integer.toString(rpcPort));
        conf.put("jobmanager.bind-host", "127.0.0.1");
        conf.put("taskmanager.bind-host", "127.0.0.1");
        conf.put("taskmanager.host", "127.0.0.1");
        conf.put("rest.address", "127.0.0.1");
        conf.put("rest.bind-address", "127.0.0.1");
        conf.put("rest.port", Integer.toString(restPort));
        // small, for a 2-core machine shared with other builds
        conf.put("jobmanager.memory.process.size", "900m");
        conf.put("taskmanager.memory.process.size", "1400m");
        conf.put("taskmanager.memory.jvm-metaspace.size", "192m");
        conf.put("taskmanager.memory.jvm-overhead.min", "128m");
        conf.put("jobmanager.memory.jvm-overhead.min", "128m");
        conf.put("heartbeat.timeout", "15s");
        conf.put("execution.checkpointing.dir", work.resolve("checkpoints").toUri().toString());
        conf.put("execution.checkpointing.savepoint-dir", work.resolve("savepoints").toUri().toString());
        conf.put("io.tmp.dirs", work.resolve("tmp").toString());
        conf.put("web.upload.dir", work.resolve("upload").toString());
        conf.put("web.tmpdir", work.resolve("web").toString());
        conf.put("blob.storage.directory", work.resolve("blobs").toString());
        conf.putAll(overrides);
        for (String dir : List.of("tmp", "upload", "web", "blobs", "log")) {
            Files.createDirectories(work.resolve(dir));
        }
        Files.createDirectories(confDir);
        Files.writeString(confDir.resolve("config.yaml"), new ObjectMapper(new YAMLFactory()).writeValueAsString(conf));
        Files.writeString(confDir.resolve("log4j2.properties"), """
                rootLogger.level = INFO
                rootLogger.appenderRef.file.ref = file
                appender.file.type = File
                appender.file.name = file
                appender.file.fileName = ${sys:log.file}
                appender.file.layout.type = PatternLayout
                appender.file.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-40c{1.} - %m%n
                logger.kafka.name = org.apache.kafka
                logger.kafka.level = WARN
                """);
    }

    private void startJobManager() throws IOException {
        Configuration conf = configuration();
        JobManagerProcessSpec spec = JobManagerProcessUtils.processSpecFromConfig(conf);
        List<String> cmd = javaCommand(JobManagerProcessUtils.generateJvmParametersStr(spec, conf), conf,
                "env.java.opts.jobmanager", "jobmanager");
        cmd.add("org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint");
        cmd.addAll(List.of("--configDir", confDir.toString()));
        cmd.addAll(dynamicConfigs(JobManagerProcessUtils.generateDynamicConfigsStr(spec)));
        launch("jobmanager", cmd);
    }

    /** Starts one more TaskManager process. */
    void startTaskManager() throws IOException {
        Configuration conf = configuration();
        TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(conf);
        String name = "taskmanager-" + (++taskManagers);
        List<String> cmd = javaCommand(ProcessMemoryUtils.generateJvmParametersStr(spec), conf,
                "env.java.opts.taskmanager", name);
        cmd.add("org.apache.flink.runtime.taskexecutor.TaskManagerRunner");
        cmd.addAll(List.of("--configDir", confDir.toString()));
        cmd.addAll(dynamicConfigs(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec)));
        launch(name, cmd);
    }

    /**
     * Kills the newest TaskManager's process with SIGKILL, like {@code kill -9} (what {@link
     * Process#destroyForcibly} sends on Unix: no shutdown hook runs, nobody is told), and waits until
     * it is gone. Returns the dead process, whose exit value says how it ended.
     */
    Process killTaskManager() throws InterruptedException {
        String name = "taskmanager-" + taskManagers;
        Process p = processes.get(name);
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException(name + " is not running: " + p);
        }
        p.destroyForcibly();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " (pid " + p.pid() + ") still runs 30 s after SIGKILL");
        }
        return p;
    }

    private List<String> javaCommand(String memoryParams, Configuration conf, String roleOpts, String name) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(split(memoryParams));
        for (String key : List.of("env.java.default-opts.all", "env.java.opts.all", roleOpts)) {
            cmd.addAll(split(conf.getString(key, "")));
        }
        cmd.add("-Dlog.file=" + work.resolve("log/" + name + ".log"));
        cmd.add("-Dlog4j.configurationFile=" + confDir.resolve("log4j2.properties"));
        cmd.add("-Djava.io.tmpdir=" + work.resolve("tmp"));
        cmd.addAll(List.of("-cp", classPath));
        return cmd;
    }

    private void launch(String name, List<String> cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve("log/" + name + ".out").toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        processes.put(name, pb.start());
    }

    private static List<String> split(String s) {
        return Arrays.stream(s.trim().split("\\s+")).filter(t -> !t.isEmpty()).toList();
    }

    /** "-D k=v -D k=v" (BashJavaUtils' output) as separate arguments. */
    private static List<String> dynamicConfigs(String s) {
        return split(s);
    }

    /** Waits until {@code n} TaskManagers are registered (a killed one is dropped after the heartbeat timeout). */
    void awaitSlots(int n) throws Exception {
        await("a cluster with " + n + " TaskManager(s)", START_TIMEOUT, () -> {
            JsonNode overview = get("/overview");
            return overview != null && overview.path("taskmanagers").asInt() == n ? overview : null;
        });
    }

    // ---- REST ----------------------------------------------------------------------------------

    /** GET; null when the server does not answer (yet) or answers with an error. */
    JsonNode get(String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(restUrl() + path))
                    .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() / 100 == 2 ? JSON.readTree(r.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    JsonNode post(String path, Object body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(restUrl() + path))
                .timeout(Duration.ofMinutes(2)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException("POST " + path + " " + body + ": HTTP " + r.statusCode() + "\n" + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** POST /jars/upload (multipart); returns the jar's id. */
    String uploadJar(Path jar) throws Exception {
        String boundary = "----streamtrain" + System.nanoTime();
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create(restUrl() + "/jars/upload"))
                .timeout(Duration.ofMinutes(5)).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.concat(HttpRequest.BodyPublishers.ofByteArray(head),
                        HttpRequest.BodyPublishers.ofFile(jar), HttpRequest.BodyPublishers.ofByteArray(tail)))
                .build();
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException("jar upload: HTTP " + r.statusCode() + "\n" + r.body());
        }
        String file = JSON.readTree(r.body()).path("filename").asText();
        return file.substring(file.lastIndexOf(File.separatorChar) + 1);
    }

    /**
     * POST /jars/:id/run: runs the jar's entry class with these arguments, from {@code savepoint}
     * when it is not null; returns the job id.
     */
    String runJar(String jarId, String entryClass, List<String> args, String savepoint) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("entryClass", entryClass);
        body.put("programArgsList", args);
        if (savepoint != null) {
            body.put("savepointPath", savepoint);
            body.put("allowNonRestoredState", false);
        }
        return post("/jars/" + jarId + "/run", body).path("jobid").asText();
    }

    String jobState(String jobId) {
        JsonNode job = get("/jobs/" + jobId);
        return job == null ? "UNKNOWN" : job.path("state").asText();
    }

    /** Waits until the job is in {@code state}; fails at once when it failed instead. */
    void awaitJobState(String jobId, String state, Duration timeout) throws Exception {
        await("job " + jobId + " " + state, timeout, () -> {
            String s = jobState(jobId);
            if (s.equals("FAILED") && !state.equals("FAILED")) {
                throw new IllegalStateException("job " + jobId + " FAILED: " + exceptions(jobId));
            }
            return s.equals(state) ? s : null;
        });
    }

    /** The root exception the job failed with, as the REST API reports it. */
    String exceptions(String jobId) {
        JsonNode e = get("/jobs/" + jobId + "/exceptions");
        return e == null ? "(no exceptions reported)" : e.path("rootException").asText(e.toString());
    }

    /**
     * POST /jobs/:id/stop with drain: the sources stop, the job drains, a savepoint is taken and
     * the job finishes. Returns the savepoint's location.
     */
    String stopWithDrainedSavepoint(String jobId, Duration timeout) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("drain", true);
        body.put("targetDirectory", work.resolve("savepoints").toUri().toString());
        String trigger = post("/jobs/" + jobId + "/stop", body).path("request-id").asText();
        JsonNode done = await("the drained savepoint of job " + jobId, timeout, () -> {
            JsonNode s = get("/jobs/" + jobId + "/savepoints/" + trigger);
            return s != null && s.path("status").path("id").asText().equals("COMPLETED") ? s : null;
        });
        JsonNode failure = done.path("operation").path("failure-cause");
        if (!failure.isMissingNode() && !failure.isNull()) {
            throw new IllegalStateException("stop with savepoint failed: " + failure);
        }
        return done.path("operation").path("location").asText();
    }

    /** Polls {@code probe} until it returns non-null; fails after {@code timeout}. */
    static <T> T await(String what, Duration timeout, ThrowingSupplier<T> probe) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gave up waiting " + timeout.toSeconds() + " s for " + what);
            }
            Thread.sleep(250);
        }
    }

    @FunctionalInterface
    interface ThrowingSupplier<T> {
        T get() throws Exception;
    }

    // ---- logs and cleanup ----------------------------------------------------------------------

    /** The last lines of every process's log and console output. */
    String logs() {
        StringBuilder sb = new StringBuilder();
        try (var files = Files.list(work.resolve("log"))) {
            for (Path f : files.sorted().toList()) {
                List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
                List<String> shown = lines.subList(Math.max(0, lines.size() - 150), lines.size());
                sb.append("\n===== ").append(f.getFileName()).append(" (last ").append(shown.size()).append(" of ")
                        .append(lines.size()).append(" lines) =====\n");
                shown.forEach(l -> sb.append(l).append('\n'));
            }
        } catch (IOException e) {
            sb.append("(no logs: ").append(e).append(")");
        }
        return sb.toString();
    }

    /** Whether any process log has a line that {@code test} accepts. */
    boolean logsContain(Predicate<String> test) throws IOException {
        try (var files = Files.list(work.resolve("log"))) {
            for (Path f : files.toList()) {
                if (Files.readAllLines(f, StandardCharsets.UTF_8).stream().anyMatch(test)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs anyway
        }
    }

    private void killAll() {
        for (Process p : processes.values()) {
            p.destroyForcibly();
        }
        for (Process p : processes.values()) {
            try {
                p.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    // ---- the class path ------------------------------------------------------------------------

    /**
     * Flink's jars and their dependencies, resolved by Maven from a POM that lists only Flink's
     * runtime modules and log4j (what a Flink distribution's lib/ holds), written next to the
     * cluster: the job's own dependencies must come from the job jar, as on a real cluster.
     */
    private static String flinkClassPath(Path work) throws Exception {
        String flink = System.getProperty("streamtrain.flink.version", "2.2.0");
        String log4j = System.getProperty("streamtrain.log4j.version", "2.24.3");
        Path dir = work.resolve("flink-lib");
        Files.createDirectories(dir);
        StringBuilder deps = new StringBuilder();
        for (String a : List.of("flink-runtime", "flink-streaming-java", "flink-clients", "flink-runtime-web")) {
            deps.append(dependency("org.apache.flink", a, flink));
        }
        for (String a : List.of("log4j-slf4j-impl", "log4j-core", "log4j-api", "log4j-1.2-api")) {
            deps.append(dependency("org.apache.logging.log4j", a, log4j));
        }
        Files.writeString(dir.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>io.streamtrain.test</groupId>
                  <artifactId>flink-lib</artifactId>
                  <version>1</version>
                  <packaging>pom</packaging>
                  <dependencies>
                %s  </dependencies>
                </project>
                """.formatted(deps));
        Path out = dir.resolve("classpath.txt");
        List<String> cmd = new ArrayList<>();
        String home = System.getProperty("streamtrain.maven.home");
        cmd.add(home == null || home.isBlank() ? "mvn" : Path.of(home, "bin", "mvn").toString());
        cmd.addAll(List.of("-B", "-q", "-Dstyle.color=never", "-f", dir.resolve("pom.xml").toString()));
        String repo = System.getProperty("streamtrain.maven.repo");
        if (repo != null && !repo.isBlank()) {
            cmd.add("-Dmaven.repo.local=" + repo);
        }
        cmd.addAll(List.of("org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath",
                "-Dmdep.outputFile=" + out, "-Dmdep.includeScope=runtime"));
        Path log = dir.resolve("maven.log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("resolving Flink's class path took over 5 minutes: " + Files.readString(log));
        }
        if (p.exitValue() != 0 || !Files.exists(out)) {
            throw new AssertionError("resolving Flink's class path failed: " + cmd + "\n" + Files.readString(log));
        }
        return Files.readString(out).trim();
    }

    private static String dependency(String group, String artifact, String version) {
        return "    <dependency><groupId>" + group + "</groupId><artifactId>" + artifact + "</artifactId><version>"
                + version + "</version></dependency>\n";
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
