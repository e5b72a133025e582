package io.streamtrain.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.streamtrain.config.JobOptions;
import io.streamtrain.config.KafkaOptions;
import io.streamtrain.config.SinkOptions;
import io.streamtrain.config.StreamtrainConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/**
 * docker-compose.yml, checked as a file (there is no Docker engine here): the stack's seven services,
 * mounts of files that exist (or of the jar the build makes), declared volumes, free host ports,
 * the topics and the database that config/cluster.yaml expects, the job's entry class, pinned
 * images and dependencies that exist.
 */
class DockerComposeTest {
    private static final Path ROOT = Path.of("..");
    private static final Path COMPOSE = ROOT.resolve("docker-compose.yml");
    private static final Path CLUSTER_YAML = ROOT.resolve("config/cluster.yaml");
    private static final Set<String> STACK = Set.of("kafka", "postgres", "jobmanager", "taskmanager", "create-topics",
            "submit-job", "producer");
    private static final Set<String> ONE_SHOT = Set.of("create-topics", "submit-job", "producer");
    private static final String JAR_IN_CONTAINER = "/opt/streamtrain/streamtrain-job.jar";
    private static final String CONFIG_IN_CONTAINER = "/opt/streamtrain/config";
    private static final String ENTRY_CLASS = "io.streamtrain.cluster.ClusterJob";

    private static JsonNode compose() throws Exception {
        return new ObjectMapper(new YAMLFactory()).readTree(Files.readString(COMPOSE));
    }

    private static JsonNode service(String name) throws Exception {
        JsonNode s = compose().path("services").path(name);
        assertThat(s.isObject()).as("service %s", name).isTrue();
        return s;
    }

    /** Compose's interpolation as a shell would see it: ${VAR:-default} and ${VAR-default} give the default, $$ is $. */
    static String interpolate(String s) {
        Matcher m = Pattern.compile("\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?}").matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group().equals("$$")) {
                replacement = "$";
            } else {
                assertThat(m.group(2)).as("%s has a default, so that the stack runs without a .env file", m.group())
                        .isNotNull();
                replacement = m.group(2);
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** A service's environment (map or KEY=VALUE list form), interpolated. */
    private static Map<String, String> environment(JsonNode service) {
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode e = service.path("environment");
        if (e.isArray()) {
            for (JsonNode item : e) {
                String[] kv = item.asText().split("=", 2);
                env.put(kv[0], kv.length > 1 ? interpolate(kv[1]) : "");
            }
        } else {
            e.fields().forEachRemaining(f -> env.put(f.getKey(), interpolate(f.getValue().asText())));
        }
        return env;
    }

    /** A service's command (string or list), joined, interpolated. */
    private static String command(JsonNode service) {
        JsonNode c = service.path("command");
        if (c.isArray()) {
            List<String> parts = new ArrayList<>();
            c.forEach(p -> parts.add(p.asText()));
            return interpolate(String.join(" ", parts));
        }
        return interpolate(c.asText());
    }

    /** A volume entry as source, target and whether it is read-only. */
    record Mount(String source, String target, boolean readOnly) {
        boolean isBind() {
            return source.startsWith(".") || source.startsWith("/");
        }
    }

    private static List<Mount> mounts(JsonNode service) {
        List<Mount> out = new ArrayList<>();
        for (JsonNode v : service.path("volumes")) {
            if (v.isTextual()) {
                String[] parts = v.asText().split(":");
                out.add(new Mount(parts[0], parts.length > 1 ? parts[1] : "", parts.length > 2 && parts[2].contains("ro")));
            } else {
                out.add(new Mount(v.path("source").asText(), v.path("target").asText(), v.path("read_only").asBoolean()));
            }
        }
        return out;
    }

    /** The jar {@code mvn package} builds for the job module: build.finalName, or artifactId-version. */
    private static String jobJar() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(ROOT.resolve("job/pom.xml").toFile());
        XPath xpath = XPathFactory.newInstance().newXPath();
        String artifactId = xpath.evaluate("/project/artifactId", pom);
        String version = xpath.evaluate("/project/parent/version", pom);
        String finalName = xpath.evaluate("/project/build/finalName", pom);
        String name = (finalName.isBlank() ? artifactId + "-" + version : finalName)
                .replace("${project.artifactId}", artifactId).replace("${project.version}", version);
        assertThat(name).doesNotContain("${");
        return "./job/target/" + name + ".jar";
    }

    private static String pomProperty(String name) throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(ROOT.resolve("pom.xml").toFile());
        return XPathFactory.newInstance().newXPath().evaluate("/project/properties/" + name, pom);
    }

    /** config/cluster.yaml as the submit-job container loads it: with that container's environment. */
    private static StreamtrainConfig clusterConfig() throws Exception {
        Map<String, String> env = environment(service("submit-job"));
        return StreamtrainConfig.load(CLUSTER_YAML, Map.of(), env::get);
    }

    @Test
    void theStackHasItsSevenServicesAndTheirDependenciesExist() throws Exception {
        JsonNode services = compose().path("services");
        List<String> names = new ArrayList<>();
        services.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactlyInAnyOrderElementsOf(STACK);
        for (String name : names) {
            JsonNode s = services.get(name);
            JsonNode dependsOn = s.path("depends_on");
            List<String> targets = new ArrayList<>();
            if (dependsOn.isArray()) {
                dependsOn.forEach(d -> targets.add(d.asText()));
            } else {
                dependsOn.fieldNames().forEachRemaining(targets::add);
            }
            for (String target : targets) {
                assertThat(STACK).as("%s depends on %s", name, target).contains(target);
                String condition = dependsOn.path(target).path("condition").asText("service_started");
                if (condition.equals("service_healthy")) {
                    assertThat(services.get(target).has("healthcheck"))
                            .as("%s waits for %s to be healthy: it needs a healthcheck", name, target).isTrue();
                }
                if (condition.equals("service_completed_successfully")) {
                    assertThat(ONE_SHOT).as("%s waits for %s to complete: a one-shot service", name, target)
                            .contains(target);
                }
            }
            String restart = s.path("restart").asText();
            if (ONE_SHOT.contains(name)) {
                assertThat(restart).as("%s runs once", name).isEqualTo("no");
            } else {
                assertThat(restart).as("%s restarts", name).isIn("always", "unless-stopped", "on-failure");
                assertThat(s.has("healthcheck")).as("%s has a healthcheck", name).isTrue();
            }
        }
        // the job is submitted once the cluster, the database, the topics and the held-out rows are there
        assertThat(service("submit-job").path("depends_on").path("jobmanager").path("condition").asText())
                .isEqualTo("service_healthy");
        assertThat(service("submit-job").path("depends_on").path("create-topics").path("condition").asText())
                .isEqualTo("service_completed_successfully");
        assertThat(service("submit-job").path("depends_on").path("postgres").path("condition").asText())
                .isEqualTo("service_healthy");
        assertThat(service("producer").path("depends_on").path("create-topics").path("condition").asText())
                .isEqualTo("service_completed_successfully");
    }

    @Test
    void imagesArePinnedAndMatchTheVersionsTheJobIsBuiltFor() throws Exception {
        Map<String, String> images = new TreeMap<>();
        compose().path("services").fields().forEachRemaining(s -> images.put(s.getKey(), s.getValue().path("image").asText()));
        assertThat(images).allSatisfy((name, image) -> {
            assertThat(image).as("%s has an image with a tag", name).matches("[a-z0-9./_-]+:[A-Za-z0-9._-]+");
            assertThat(image).as(name).doesNotEndWith(":latest");
        });
        String flinkMinor = pomProperty("flink.version").replaceAll("^(\\d+\\.\\d+).*", "$1");
        for (String flink : List.of("jobmanager", "taskmanager", "submit-job", "producer")) {
            assertThat(images.get(flink)).isEqualTo("flink:" + flinkMinor + "-java17");
        }
        assertThat(images.get("kafka")).isEqualTo("apache/kafka:" + pomProperty("kafka.version"));
        assertThat(images.get("create-topics")).isEqualTo(images.get("kafka"));
        assertThat(images.get("postgres")).startsWith("postgres:");
    }

    @Test
    void bindMountsAreFilesOfTheRepositoryOrTheJarTheBuildMakes() throws Exception {
        String jar = jobJar();
        assertThat(jar).isEqualTo("./job/target/streamtrain-job-0.1.0-SNAPSHOT.jar");
        JsonNode services = compose().path("services");
        Map<String, List<Mount>> byService = new TreeMap<>();
        services.fields().forEachRemaining(s -> byService.put(s.getKey(), mounts(s.getValue())));
        for (Map.Entry<String, List<Mount>> e : byService.entrySet()) {
            for (Mount m : e.getValue()) {
                if (!m.isBind()) {
                    continue;
                }
                assertThat(m.readOnly()).as("%s mounts %s read-only", e.getKey(), m.source()).isTrue();
                if (m.source().startsWith("./job/target/")) {
                    assertThat(m.source()).as("%s mounts the jar that mvn package builds", e.getKey()).isEqualTo(jar);
                    assertThat(m.target()).isEqualTo(JAR_IN_CONTAINER);
                } else {
                    assertThat(ROOT.resolve(m.source())).as("%s mounts %s", e.getKey(), m.source()).exists();
                }
            }
        }
        // the Flink containers, the submitter and the producer all have the job jar and the configs
        for (String name : List.of("jobmanager", "taskmanager", "submit-job", "producer")) {
            assertThat(byService.get(name)).as(name)
                    .contains(new Mount(jar, JAR_IN_CONTAINER, true), new Mount("./config", CONFIG_IN_CONTAINER, true));
        }
    }

    @Test
    void namedVolumesAreDeclaredAndUsedAndHostPortsDoNotCollide() throws Exception {
        JsonNode compose = compose();
        Set<String> declared = new java.util.TreeSet<>();
        compose.path("volumes").fieldNames().forEachRemaining(declared::add);
        Set<String> used = new java.util.TreeSet<>();
        Map<String, String> hostPorts = new HashMap<>();
        compose.path("services").fields().forEachRemaining(s -> {
            for (Mount m : mounts(s.getValue())) {
                if (!m.isBind()) {
                    used.add(m.source());
                }
            }
            for (JsonNode p : s.getValue().path("ports")) {
                String[] parts = p.isTextual() ? p.asText().split(":") : new String[] {p.path("published").asText(),
                        p.path("target").asText()};
                assertThat(parts.length).as("%s publishes %s as HOST:CONTAINER", s.getKey(), p).isGreaterThanOrEqualTo(2);
                String host = parts[parts.length - 2];
                String before = hostPorts.put(host, s.getKey());
                assertThat(before).as("host port %s of %s is also published by %s", host, s.getKey(), before).isNull();
            }
        });
        assertThat(used).isEqualTo(declared);
        // the Flink checkpoints and savepoints are on volumes both Flink containers share
        assertThat(mounts(service("jobmanager")).stream().filter(m -> !m.isBind()).toList())
                .isEqualTo(mounts(service("taskmanager")).stream().filter(m -> !m.isBind()).toList());
        assertThat(hostPorts).containsKeys("8081", "9249");
    }

    @Test
    void theTopicsCreatedAreTheTopicsOfTheJobConfiguration() throws Exception {
        StreamtrainConfig config = clusterConfig();
        Map<String, Integer> expected = new TreeMap<>();
        expected.put(config.get(KafkaOptions.ROWS_TOPIC), config.get(KafkaOptions.PARTITIONS));
        expected.put(config.get(KafkaOptions.DLQ_TOPIC), config.get(KafkaOptions.PARTITIONS));
        expected.put(config.get(KafkaOptions.PARAMS_TOPIC), 1);
        expected.put(config.get(KafkaOptions.HOLDOUT_TOPIC), 1);

        String script = command(service("create-topics"));
        Map<String, Integer> created = new TreeMap<>();
        Map<String, String> createLines = new HashMap<>();
        for (String line : script.split("\n")) {
            if (line.contains("--create")) {
                Matcher topic = Pattern.compile("--topic (\\S+)").matcher(line);
                Matcher partitions = Pattern.compile("--partitions (\\d+)").matcher(line);
                assertThat(topic.find() && partitions.find()).as(line).isTrue();
                assertThat(line).contains("--bootstrap-server " + config.get(KafkaOptions.BOOTSTRAP_SERVERS));
                created.put(topic.group(1), Integer.parseInt(partitions.group(1)));
                createLines.put(topic.group(1), line);
            }
        }
        assertThat(created).isEqualTo(expected);
        // the parameters topic takes the largest parameters message the job may send
        Matcher max = Pattern.compile("max\\.message\\.bytes=(\\d+)").matcher(createLines.get(config.get(KafkaOptions.PARAMS_TOPIC)));
        assertThat(max.find()).isTrue();
        assertThat(Long.parseLong(max.group(1))).isGreaterThanOrEqualTo(config.get(KafkaOptions.MAX_MESSAGE_BYTES));
        // the producer writes the held-out rows to the held-out topic, the training rows to the rows topic
        String producer = command(service("producer"));
        assertThat(producer).contains("--split holdout --topic " + config.get(KafkaOptions.HOLDOUT_TOPIC));
    }

    @Test
    void theJobReachesTheKafkaAndPostgresServicesAsConfigured() throws Exception {
        StreamtrainConfig config = clusterConfig();
        // kafka.bootstrap-servers: an advertised listener of the kafka service, on the compose network
        Map<String, String> kafka = environment(service("kafka"));
        String bootstrap = config.get(KafkaOptions.BOOTSTRAP_SERVERS);
        assertThat(bootstrap).isEqualTo("kafka:9092");
        assertThat(kafka.get("KAFKA_ADVERTISED_LISTENERS").split(",")).anySatisfy(l ->
                assertThat(l).endsWith("://" + bootstrap));
        String listener = List.of(kafka.get("KAFKA_ADVERTISED_LISTENERS").split(",")).stream()
                .filter(l -> l.endsWith("://" + bootstrap)).findFirst().orElseThrow().split(":")[0];
        assertThat(kafka.get("KAFKA_LISTENERS")).contains(listener + "://:9092");
        // and one for the host, published on the same port
        String hostListener = List.of(kafka.get("KAFKA_ADVERTISED_LISTENERS").split(",")).stream()
                .filter(l -> l.contains("://localhost:")).findFirst().orElseThrow();
        String hostPort = hostListener.substring(hostListener.lastIndexOf(':') + 1);
        assertThat(service("kafka").path("ports").toString()).contains(hostPort + ":" + hostPort);

        // sink.url: the postgres service's database, user and password
        URI url = URI.create(config.get(SinkOptions.URL).substring("jdbc:".length()));
        assertThat(url.getScheme()).isEqualTo("postgresql");
        assertThat(url.getHost()).isEqualTo("postgres");
        assertThat(url.getPort()).isEqualTo(5432);
        Map<String, String> postgres = environment(service("postgres"));
        assertThat(url.getPath()).isEqualTo("/" + postgres.get("POSTGRES_DB"));
        Map<String, String> query = new HashMap<>();
        for (String kv : url.getQuery().split("&")) {
            query.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        assertThat(query.get("user")).isEqualTo(postgres.get("POSTGRES_USER"));
        assertThat(query.get("password")).isEqualTo(postgres.get("POSTGRES_PASSWORD"));
        // the producer loads the same file: it needs the same variables
        Map<String, String> producerEnv = environment(service("producer"));
        StreamtrainConfig asProducer = StreamtrainConfig.load(CLUSTER_YAML, Map.of(), producerEnv::get);
        assertThat(asProducer.get(SinkOptions.URL)).isEqualTo(config.get(SinkOptions.URL));
        // the secret never shows where the configuration is printed
        assertThat(config.redacted().toString()).doesNotContain("password=" + postgres.get("POSTGRES_PASSWORD"));
    }

    @Test
    void theFlinkContainersApplyTheClusterSettingsAndAddThePrometheusReporter() throws Exception {
        for (String name : List.of("jobmanager", "taskmanager")) {
            JsonNode s = service(name);
            assertThat(s.path("entrypoint").toString()).as(name).contains(CONFIG_IN_CONTAINER + "/flink/docker-start.sh");
            assertThat(s.path("command").asText()).isEqualTo(name);
            Map<String, String> flink = flinkProperties(s);
            assertThat(flink).as(name).containsEntry("jobmanager.rpc.address", "jobmanager")
                    .containsEntry("metrics.reporter.prom.factory.class",
                            "org.apache.flink.metrics.prometheus.PrometheusReporterFactory")
                    .containsEntry("metrics.reporter.prom.port", "9249");
            assertThat(s.path("ports").toString()).as(name).contains(":9249\"");
        }
        assertThat(ROOT.resolve("config/flink/docker-start.sh")).exists();
    }

    @Test
    void theClusterSettingsGiveTheJobItsSlotsAndPutStateOnTheSharedVolume() throws Exception {
        Path settings = ROOT.resolve("config/flink/config.yaml");
        assertThat(settings).as("the Flink cluster settings that docker-start.sh applies").exists();
        JsonNode flink = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(settings));
        StreamtrainConfig config = clusterConfig();
        int slots = flink.path("taskmanager.numberOfTaskSlots").asInt();
        assertThat(slots).as("one task manager's slots run the job").isEqualTo(config.parallelism());
        assertThat(config.get(JobOptions.CHECKPOINT_INTERVAL).isZero()).as("job.checkpoint-interval").isFalse();
        for (String key : List.of("execution.checkpointing.dir", "execution.checkpointing.savepoint-dir")) {
            String dir = flink.path(key).asText();
            assertThat(dir).as(key).startsWith("file:///");
            String path = dir.substring("file://".length());
            for (String name : List.of("jobmanager", "taskmanager")) {
                assertThat(mounts(service(name))).as("%s: %s=%s is on a volume the Flink containers share", name, key, dir)
                        .anySatisfy(m -> {
                            assertThat(m.isBind()).isFalse();
                            assertThat(path).startsWith(m.target() + "/");
                        });
            }
        }
    }

    /** FLINK_PROPERTIES of a service: "key: value" lines. */
    private static Map<String, String> flinkProperties(JsonNode service) {
        Map<String, String> p = new LinkedHashMap<>();
        for (String line : environment(service).getOrDefault("FLINK_PROPERTIES", "").split("\n")) {
            if (!line.isBlank()) {
                p.put(line.substring(0, line.indexOf(':')).trim(), line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return p;
    }

    @Test
    void submitJobRunsTheClusterEntryClassOnTheMountedConfiguration() throws Exception {
        String submit = command(service("submit-job"));
        assertThat(submit).contains("flink run -d -m jobmanager:8081 -c " + ENTRY_CLASS + " " + JAR_IN_CONTAINER
                + " --config " + CONFIG_IN_CONTAINER + "/cluster.yaml");
        assertThat(submit).contains(clusterConfig().get(JobOptions.NAME));
        assertThat(CLUSTER_YAML).exists();
        String producer = command(service("producer"));
        assertThat(producer).contains("io.streamtrain.cli.Main", "produce", "--config " + CONFIG_IN_CONTAINER + "/cluster.yaml");
        assertThat(Class.forName("io.streamtrain.cli.Main")).isNotNull();
    }

    @Test
    void theEntryClassThatSubmitJobNamesExists() throws Exception {
        assertThat(Class.forName(ENTRY_CLASS).getMethod("main", String[].class)).isNotNull();
    }
}
