package io.streamtrain.compute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.compute.ComputeBackend.Choice;
import io.streamtrain.compute.ComputeBackend.Loaded;
import io.streamtrain.config.ConfigException;
import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.nn.ReferenceTrainer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Backend selection and its messages. The first tests load the real ND4J of this build (the CPU
 * build: nd4j-native only); the others feed the verdict every combination a CPU-only machine
 * cannot produce (a GPU, a CUDA-only jar), as facts.
 */
class ComputeBackendTest {
    private static final Loaded CPU = new Loaded(false, "CpuBackend", "CPU (OPENBLAS, 16 cores)");
    private static final Loaded GPU = new Loaded(true, "JCublasBackend",
            "CUDA device 0 of 1: NVIDIA H100 80GB HBM3 (compute capability 9.0, 79.1 GiB)");
    private static final List<String> DIRS = List.of("/usr/lib/x86_64-linux-gnu");

    /** The CPU build on a machine with a GPU: driver and device present, no CUDA classes. */
    private static final CudaSetup CPU_JAR_ON_GPU_MACHINE = new CudaSetup(true, false, false, false,
            "/usr/lib/x86_64-linux-gnu/libcuda.so.1", "NVRM version: 535.104.05", List.of("/dev/nvidia0"), null, DIRS);
    /** The CUDA build on a GPU machine where everything works. */
    private static final CudaSetup CUDA_JAR_ON_GPU_MACHINE = new CudaSetup(false, true, true, true,
            "/usr/lib/x86_64-linux-gnu/libcuda.so.1", "NVRM version: 535.104.05", List.of("/dev/nvidia0"), null, DIRS);
    /** The CUDA build in a container that was not given the GPU. */
    private static final CudaSetup CUDA_JAR_WITHOUT_GPU = new CudaSetup(false, true, true, true, null, null, List.of(),
            "RuntimeException: No CUDA devices were found in system", DIRS);
    /** A CUDA build missing the classifier jars (e.g. shaded without the runtime scope). */
    private static final CudaSetup CUDA_JAR_WITHOUT_NATIVES = new CudaSetup(false, true, false, false,
            "/usr/lib/x86_64-linux-gnu/libcuda.so.1", null, List.of("/dev/nvidia0"),
            "UnsatisfiedLinkError: no jnicudart in java.library.path", DIRS);

    @Test
    void cpuIsWhatThisBuildRunsOn() {
        ComputeBackend.Checked checked = ComputeBackend.require(Choice.CPU, "test");
        assertThat(checked.loaded().gpu()).isFalse();
        assertThat(checked.loaded().backend()).isEqualTo("CpuBackend");
        assertThat(checked.loaded().device()).startsWith("CPU (");
        assertThat(checked.message()).startsWith("test: compute.backend=cpu: ND4J runs on CPU (")
                .endsWith("[ND4J CpuBackend], as configured");
    }

    @Test
    void autoPicksTheCpuHereAndSaysWhy() {
        ComputeBackend.Checked checked = ComputeBackend.require(Choice.AUTO, "test");
        assertThat(checked.loaded().gpu()).isFalse();
        assertThat(checked.message()).startsWith(
                "test: compute.backend=auto: no usable GPU (no CUDA backend in this build: built without -Pcuda), "
                        + "ND4J runs on CPU (");
    }

    @Test
    void cudaOnTheCpuBuildFailsAndSaysWhatIsMissing() {
        CudaSetup here = CudaSetup.probe();
        assertThat(here.cpuBackend()).isTrue();
        assertThat(here.cudaBackend()).isFalse();
        assertThatThrownBy(() -> ComputeBackend.require(Choice.CUDA, "gradient worker 0"))
                .isInstanceOf(ComputeBackendException.class)
                .hasMessageStartingWith("gradient worker 0: compute.backend=cuda, but ND4J runs on CPU (")
                .hasMessageContaining("Missing for CUDA:\n  - ND4J's CUDA backend (org.nd4j:nd4j-cuda-11.6:1.0.0-M2.1) "
                        + "is not on the class path: build the job jar with the Maven profile cuda "
                        + "(mvn -Pcuda -DskipTests package; for bin/streamtrain, STREAMTRAIN_PROFILE=cuda) and run "
                        + "that jar")
                .hasMessageEndingWith("\nOr set compute.backend=auto (or cpu) to train on the CPU.")
                .satisfies(e -> {
                    // what else is listed depends on this machine; on a CPU-only one, driver and device
                    if (here.driverLibrary() == null) {
                        assertThat(e.getMessage()).contains("the NVIDIA driver: libcuda.so.1 is not in ");
                    }
                    if (here.devices().isEmpty()) {
                        assertThat(e.getMessage()).contains("a GPU: there is no NVIDIA device node");
                    }
                });
    }

    @Test
    void theChoiceIsReadCaseInsensitivelyAndValidatedNamingTheKey() {
        assertThat(Choice.fromConfig("CUDA")).isEqualTo(Choice.CUDA);
        assertThat(Choice.fromConfig(" auto ")).isEqualTo(Choice.AUTO);
        assertThat(StreamtrainConfig.of(Map.of()).computeBackend()).isEqualTo(Choice.AUTO);
        assertThat(StreamtrainConfig.of(Map.of("compute.backend", "cpu")).computeBackend()).isEqualTo(Choice.CPU);
        assertThatThrownBy(() -> StreamtrainConfig.of(Map.of("compute.backend", "gpu")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("compute.backend: must be auto, cpu or cuda, got 'gpu'");
    }

    @Test
    void cudaOnAGpuPasses() {
        assertThat(ComputeBackend.check(Choice.CUDA, GPU, CUDA_JAR_ON_GPU_MACHINE)).isEqualTo(
                "compute.backend=cuda: ND4J runs on CUDA device 0 of 1: NVIDIA H100 80GB HBM3 (compute capability 9.0, "
                        + "79.1 GiB) [ND4J JCublasBackend], as configured");
    }

    @Test
    void autoOnAGpuSaysSo() {
        assertThat(ComputeBackend.check(Choice.AUTO, GPU, CUDA_JAR_ON_GPU_MACHINE))
                .startsWith("compute.backend=auto: a GPU is usable, ND4J runs on CUDA device 0 of 1: NVIDIA H100");
    }

    @Test
    void cpuRequestedWhileNd4jPickedCudaFails() {
        assertThatThrownBy(() -> ComputeBackend.check(Choice.CPU, GPU, CUDA_JAR_ON_GPU_MACHINE))
                .isInstanceOf(ComputeBackendException.class)
                .hasMessage("compute.backend=cpu, but ND4J loaded its CUDA backend on CUDA device 0 of 1: NVIDIA H100 "
                        + "80GB HBM3 (compute capability 9.0, 79.1 GiB) [ND4J JCublasBackend]: this job jar was built "
                        + "with the Maven profile cuda. Run the jar built without -Pcuda, or set compute.backend=cuda "
                        + "(or auto) to train on the GPU.");
        // a jar with both backends can also be steered by ND4J's priority variables
        CudaSetup both = new CudaSetup(true, true, true, true, "/usr/lib/x86_64-linux-gnu/libcuda.so.1", null,
                List.of("/dev/nvidia0"), null, DIRS);
        assertThatThrownBy(() -> ComputeBackend.check(Choice.CPU, GPU, both))
                .hasMessageContaining("or start the task manager with the environment variable BACKEND_PRIORITY_CPU=101");
    }

    @Test
    void cudaRequestedOnAGpuMachineWithTheCpuBuildNamesOnlyTheProfile() {
        assertThatThrownBy(() -> ComputeBackend.check(Choice.CUDA, CPU, CPU_JAR_ON_GPU_MACHINE))
                .hasMessage("compute.backend=cuda, but ND4J runs on CPU (OPENBLAS, 16 cores) [ND4J CpuBackend]. "
                        + "Missing for CUDA:\n"
                        + "  - ND4J's CUDA backend (org.nd4j:nd4j-cuda-11.6:1.0.0-M2.1) is not on the class path: build "
                        + "the job jar with the Maven profile cuda (mvn -Pcuda -DskipTests package; for "
                        + "bin/streamtrain, STREAMTRAIN_PROFILE=cuda) and run that jar\n"
                        + "Or set compute.backend=auto (or cpu) to train on the CPU.");
        assertThat(ComputeBackend.check(Choice.AUTO, CPU, CPU_JAR_ON_GPU_MACHINE)).isEqualTo(
                "compute.backend=auto: no usable GPU (no CUDA backend in this build: built without -Pcuda), ND4J runs "
                        + "on CPU (OPENBLAS, 16 cores) [ND4J CpuBackend]");
    }

    @Test
    void theCudaBuildWithoutAGpuFailsForEveryChoiceAndSaysWhy() {
        Throwable nd4j = new RuntimeException(new Exception("Please ensure that you have an nd4j backend on your classpath"));
        assertThat(ComputeBackend.noBackend(Choice.CUDA, CUDA_JAR_WITHOUT_GPU, nd4j)).isEqualTo(
                "compute.backend=cuda, but no ND4J backend could start: this job jar has only ND4J's CUDA backend "
                        + "(built with -Pcuda), and CUDA cannot run here. Missing for CUDA:\n"
                        + "  - the NVIDIA driver: libcuda.so.1 is not in /usr/lib/x86_64-linux-gnu (install the NVIDIA "
                        + "driver, 450.80.02 or newer for CUDA 11.6, 510.39 or newer to be safe; in Docker give the task "
                        + "manager the GPU: docker "
                        + "compose -f docker-compose.yml -f docker-compose.gpu.yml up, which needs the NVIDIA Container "
                        + "Toolkit on the host)\n"
                        + "  - a GPU: there is no NVIDIA device node (/dev/nvidia0, ...) on this machine or in this "
                        + "container\n"
                        + "  - ND4J's CUDA backend reports: RuntimeException: No CUDA devices were found in system");
        assertThat(ComputeBackend.noBackend(Choice.AUTO, CUDA_JAR_WITHOUT_GPU, nd4j))
                .startsWith("compute.backend=auto, but no ND4J backend could start: this job jar has only ND4J's CUDA")
                .endsWith("\nOn machines without a GPU, run the jar built without -Pcuda.");
    }

    @Test
    void aCudaBuildWithoutItsLibrariesNamesTheArtifacts() {
        assertThat(CUDA_JAR_WITHOUT_NATIVES.missing()).extracting(CudaSetup.Missing::fix).containsExactly(
                "ND4J's CUDA native libraries (org.nd4j:nd4j-cuda-11.6:1.0.0-M2.1:linux-x86_64) are not on the class "
                        + "path: build the jar with mvn -Pcuda -DskipTests package, which bundles them",
                "the CUDA 11.6 runtime libraries (org.bytedeco:cuda:11.6-8.3-1.5.7:linux-x86_64-redist) are not on the "
                        + "class path (mvn -Pcuda -DskipTests package bundles them; or install CUDA 11.6 and cuDNN 8.3 "
                        + "on the library path)",
                "ND4J's CUDA backend reports: UnsatisfiedLinkError: no jnicudart in java.library.path");
        assertThat(CUDA_JAR_ON_GPU_MACHINE.missing()).isEmpty();
    }

    @Test
    void whenNoBackendAtAllStartsOnTheCpuBuildNd4jsReasonIsGiven() {
        CudaSetup cpuOnly = new CudaSetup(true, false, false, false, null, null, List.of(), null, DIRS);
        assertThat(ComputeBackend.noBackend(Choice.CPU, cpuOnly,
                new ExceptionInInitializerError(new UnsatisfiedLinkError("no jnind4jcpu in java.library.path"))))
                .isEqualTo("compute.backend=cpu, but no ND4J backend could start: "
                        + "UnsatisfiedLinkError: no jnind4jcpu in java.library.path");
    }

    @Test
    void theReferenceTrainerChecksItsBackendBeforeTraining() {
        StreamtrainConfig c = StreamtrainConfig.of(Map.of());
        ReferenceTrainer trainer = ReferenceTrainer.on(Choice.CPU, c.architecture(), c.updateRule(),
                c.initialParameters(), DataType.FLOAT, 4);
        trainer.step(new float[] {1, 1, -1, -1}, new float[] {1, 0}, 2);
        assertThat(trainer.steps()).isEqualTo(1);
        assertThatThrownBy(() -> ReferenceTrainer.on(Choice.CUDA, c.architecture(), c.updateRule(),
                c.initialParameters(), DataType.FLOAT, 4))
                .isInstanceOf(ComputeBackendException.class)
                .hasMessageStartingWith("reference trainer: compute.backend=cuda, but ND4J runs on CPU (");
    }
}
