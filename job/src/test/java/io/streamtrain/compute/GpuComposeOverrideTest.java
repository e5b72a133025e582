package io.streamtrain.compute;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/**
 * docker-compose.gpu.yml (there is no Docker engine here, so the file is checked, not run): it gives
 * the task manager the NVIDIA GPUs, mounts the jar that {@code mvn -Pcuda package} builds, and
 * replaces docker-compose.yml's job jar wherever that file mounts it.
 */
class GpuComposeOverrideTest {
    private static final Path ROOT = Path.of("..");
    private static final Set<String> STACK = Set.of("kafka", "postgres", "jobmanager", "taskmanager", "create-topics",
            "submit-job", "producer");

    private static JsonNode yaml(Path file) throws Exception {
        return new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
    }

    @Test
    void theTaskManagerGetsTheHostsNvidiaGpus() throws Exception {
        JsonNode devices = yaml(ROOT.resolve("docker-compose.gpu.yml"))
                .at("/services/taskmanager/deploy/resources/reservations/devices");
        assertThat(devices.isArray()).as("services.taskmanager.deploy.resources.reservations.devices").isTrue();
        assertThat(devices).hasSize(1);
        assertThat(devices.get(0).path("driver").asText()).isEqualTo("nvidia");
        assertThat(devices.get(0).path("count").asText()).isEqualTo("all");
        assertThat(devices.get(0).path("capabilities").toString()).isEqualTo("[\"gpu\"]");
    }

    @Test
    void itNamesServicesOfTheStackAndMountsTheJarThatTheCudaProfileBuilds() throws Exception {
        JsonNode override = yaml(ROOT.resolve("docker-compose.gpu.yml"));
        List<String> services = new ArrayList<>();
        override.path("services").fieldNames().forEachRemaining(services::add);
        assertThat(STACK).containsAll(services);

        String cudaJar = "./job/target/" + cudaFinalName() + ".jar";
        assertThat(cudaJar).isEqualTo("./job/target/streamtrain-job-0.1.0-SNAPSHOT-cuda.jar");
        Map<String, Map<String, String>> jars = jarMounts(override);
        assertThat(jars).containsKey("taskmanager");
        assertThat(jars.values()).allSatisfy(byTarget -> assertThat(byTarget.values()).containsOnly(cudaJar));
        // named volumes used are declared
        for (JsonNode service : override.path("services")) {
            for (JsonNode v : service.path("volumes")) {
                String source = v.isTextual() ? v.asText().split(":")[0] : v.path("source").asText();
                if (!source.startsWith(".") && !source.startsWith("/")) {
                    assertThat(override.path("volumes").has(source)).as("volume %s is declared", source).isTrue();
                }
            }
        }
    }

    @Test
    void itReplacesTheJobJarOfDockerComposeYmlWhereverThatMountsIt() throws Exception {
        Path base = ROOT.resolve("docker-compose.yml");
        if (!Files.exists(base)) {
            Assumptions.abort("docker-compose.yml is not in this checkout: the GPU override's jar mounts are "
                    + "checked against it once it is");
        }
        Map<String, Map<String, String>> baseJars = jarMounts(yaml(base));
        Map<String, Map<String, String>> gpuJars = jarMounts(yaml(ROOT.resolve("docker-compose.gpu.yml")));
        assertThat(baseJars).as("docker-compose.yml mounts a job jar from ./job/target").isNotEmpty();
        // the same services, the same paths in the containers: compose then replaces each mount
        assertThat(gpuJars.keySet()).isEqualTo(baseJars.keySet());
        baseJars.forEach((service, byTarget) ->
                assertThat(gpuJars.get(service).keySet()).as(service).isEqualTo(byTarget.keySet()));
    }

    /** Per service, the jars it mounts from ./job/target: container path to host path. */
    private static Map<String, Map<String, String>> jarMounts(JsonNode compose) {
        Map<String, Map<String, String>> out = new TreeMap<>();
        compose.path("services").fields().forEachRemaining(service -> {
            for (JsonNode v : service.getValue().path("volumes")) {
                String source;
                String target;
                if (v.isTextual()) {
                    String[] parts = v.asText().split(":");
                    source = parts[0];
                    target = parts.length > 1 ? parts[1] : "";
                } else {
                    source = v.path("source").asText();
                    target = v.path("target").asText();
                }
                if (source.replaceFirst("^\\./", "").startsWith("job/target/") && source.endsWith(".jar")) {
                    out.computeIfAbsent(service.getKey(), k -> new TreeMap<>()).put(target, source);
                }
            }
        });
        return out;
    }

    /** The cuda profile's build.finalName in job/pom.xml, with the project's artifactId and version. */
    private static String cudaFinalName() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(ROOT.resolve("job/pom.xml").toFile());
        var xpath = XPathFactory.newInstance().newXPath();
        String finalName = xpath.evaluate("/project/profiles/profile[id='cuda']/build/finalName", pom);
        String artifactId = xpath.evaluate("/project/artifactId", pom);
        String version = xpath.evaluate("/project/parent/version", pom);
        assertThat(finalName).as("the cuda profile names its jar").isNotBlank();
        String name = finalName.replace("${project.artifactId}", artifactId).replace("${project.version}", version);
        assertThat(name).doesNotContain("${");
        return name;
    }
}
