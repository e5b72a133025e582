package io.streamtrain.compute;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Maven profile {@code cuda} resolves and compiles without downloading the ~2.4 GB of CUDA
 * native jars, and the CUDA build, started on a machine where CUDA cannot run, fails with what is
 * missing.
 *
 * <p>Runs Maven on a copy of the sources (so it cannot touch this build's {@code target/}), first
 * POM-only ({@code dependency:collect}, which downloads no jar) to check that the native jars are
 * runtime scope and nd4j-native is gone, then {@code compile}, which resolves the compile scope only
 * (~8 MB beyond the default build). Then it runs {@code streamtrain backend} on the CUDA build's
 * compile class path: ND4J's real CUDA backend classes, without their native libraries.
 */
class CudaProfileITCase {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String REDIST = "org.bytedeco:cuda:jar:linux-x86_64-redist:11.6-8.3-1.5.7";
    private static final String CUDA_NATIVES = "org.nd4j:nd4j-cuda-11.6:jar:linux-x86_64:1.0.0-M2.1";

    @TempDir
    Path tmp;

    @Test
    void theCudaProfileResolvesAndCompilesWithoutTheNativeJarsAndItsBuildSaysWhatIsMissing() throws Exception {
        Path copy = tmp.resolve("src");
        for (String dir : List.of("connectors/src/main", "job/src/main")) {
            copyTree(ROOT.resolve(dir), copy.resolve(dir));
        }
        // every module's POM, since the parent lists them all (the bench module is not built here)
        for (String pom : List.of("pom.xml", "connectors/pom.xml", "job/pom.xml", "bench/pom.xml")) {
            Files.createDirectories(copy.resolve(pom).getParent());
            Files.copy(ROOT.resolve(pom), copy.resolve(pom));
        }

        // 1. POM-only: the dependency graph of the job module with -Pcuda
        Path collected = tmp.resolve("collect.txt");
        // (-am: the connectors module resolves from the reactor; the job module runs last and writes the file last)
        Run collect = maven(copy, "-Pcuda", "-pl", "job", "-am", "dependency:collect", "-DoutputFile=" + collected);
        assertThat(collect.exit()).as(collect.output()).isZero();
        List<String> deps = Files.readAllLines(collected).stream().map(String::strip)
                .filter(l -> l.split(":").length >= 5).toList();
        assertThat(deps).contains("org.nd4j:nd4j-cuda-11.6:jar:1.0.0-M2.1:compile", CUDA_NATIVES + ":runtime",
                REDIST + ":runtime");
        assertThat(deps).noneMatch(d -> d.startsWith("org.nd4j:nd4j-native:"));
        assertThat(deps).as("jars compile resolves").filteredOn(d -> d.endsWith(":compile") || d.endsWith(":provided"))
                .noneMatch(d -> d.startsWith(CUDA_NATIVES) || d.startsWith(REDIST));

        // the bench module (STREAMTRAIN_PROFILE=cuda bin/streamtrain bench) follows the same switch
        Path benchCollected = tmp.resolve("collect-bench.txt");
        Run benchCollect = maven(copy, "-Pcuda", "-pl", "bench", "-am", "dependency:collect",
                "-DoutputFile=" + benchCollected);
        assertThat(benchCollect.exit()).as(benchCollect.output()).isZero();
        List<String> benchDeps = Files.readAllLines(benchCollected).stream().map(String::strip)
                .filter(l -> l.split(":").length >= 5).toList();
        assertThat(benchDeps).contains(CUDA_NATIVES + ":runtime", REDIST + ":runtime")
                .noneMatch(d -> d.startsWith("org.nd4j:nd4j-native:"));

        // 2. compile: resolves the compile scope only; the native jars are never fetched
        Run compile = maven(copy, "-Pcuda", "-pl", "job", "-am", "compile");
        assertThat(compile.exit()).as(compile.output()).isZero();
        assertThat(compile.output()).contains("BUILD SUCCESS")
                .doesNotContain("-linux-x86_64-redist.jar", "nd4j-cuda-11.6-1.0.0-M2.1-linux-x86_64.jar");

        // 3. the CUDA build on this machine: CUDA's classes but not its libraries, so CUDA cannot run
        List<String> cp = new ArrayList<>(List.of(copy.resolve("job/target/classes").toString(),
                copy.resolve("connectors/target/classes").toString()));
        Path repo = localRepository();
        for (String d : deps) {
            if ((d.endsWith(":compile") || d.endsWith(":provided")) && !d.startsWith("io.streamtrain:")) {
                cp.add(jar(repo, d).toString());
            }
        }
        Run cuda = backend(cp, "cuda");
        assertThat(cuda.exit()).as(cuda.output()).isEqualTo(1);
        assertThat(cuda.output())
                .contains("CUDA set-up      CPU backend no, CUDA backend yes, CUDA backend libraries no, "
                        + "CUDA runtime libraries no")
                .contains("error: backend check: compute.backend=cuda, but no ND4J backend could start: this job jar "
                        + "has only ND4J's CUDA backend (built with -Pcuda), and CUDA cannot run here. Missing for CUDA:")
                .contains("  - ND4J's CUDA native libraries (org.nd4j:nd4j-cuda-11.6:1.0.0-M2.1:linux-x86_64) are not "
                        + "on the class path")
                .contains("  - the CUDA 11.6 runtime libraries (org.bytedeco:cuda:11.6-8.3-1.5.7:linux-x86_64-redist) "
                        + "are not on the class path")
                .contains("  - ND4J's CUDA backend reports: ");
        Run auto = backend(cp, "auto");
        assertThat(auto.exit()).as(auto.output()).isEqualTo(1);
        assertThat(auto.output()).contains("error: backend check: compute.backend=auto, but no ND4J backend could start")
                .contains("On machines without a GPU, run the jar built without -Pcuda.");
    }

    private record Run(int exit, String output) {}

    private Run maven(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        String home = System.getProperty("streamtrain.maven.home");
        cmd.add(home == null || home.isBlank() ? "mvn" : Path.of(home, "bin", "mvn").toString());
        // no -ntp: the transfer lines show what was downloaded
        cmd.addAll(List.of("-B", "-Dstyle.color=never", "-Dmaven.repo.local=" + localRepository()));
        cmd.addAll(List.of(args));
        return run(cmd, dir);
    }

    private Run backend(List<String> classPath, String choice) throws Exception {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        return run(List.of(javaBin.toString(), "-Dorg.bytedeco.javacpp.cachedir=" + tmp.resolve("javacpp"),
                "-Dlog4j2.configurationFile=" + ROOT.resolve("config/log4j2.xml"),
                "-Dstreamtrain.log.dir=" + tmp, "-cp", String.join(File.pathSeparator, classPath),
                "io.streamtrain.cli.Main", "backend", "--set", "compute.backend=" + choice), tmp);
    }

    private Run run(List<String> cmd, Path dir) throws Exception {
        Path log = Files.createTempFile(tmp, "run", ".log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("gave up after 10 minutes: " + cmd + "\n" + Files.readString(log));
        }
        return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    private static Path localRepository() {
        String repo = System.getProperty("streamtrain.maven.repo");
        return repo == null || repo.isBlank() ? Path.of(System.getProperty("user.home"), ".m2", "repository")
                : Path.of(repo);
    }

    /** group:artifact:type[:classifier]:version:scope as dependency:collect prints it, to its file in the repository. */
    private static Path jar(Path repo, String coordinates) {
        String[] p = coordinates.split(":");
        String group = p[0];
        String artifact = p[1];
        String classifier = p.length == 6 ? p[3] : null;
        String version = p.length == 6 ? p[4] : p[3];
        Path file = repo.resolve(group.replace('.', '/')).resolve(artifact).resolve(version)
                .resolve(artifact + "-" + version + (classifier == null ? "" : "-" + classifier) + ".jar");
        assertThat(file).as("resolved by compile").exists();
        return file;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
