package io.streamtrain.compute;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.bytedeco.javacpp.Loader;

/**
 * What this machine and class path offer ND4J's CUDA backend: its classes and native libraries,
 * the CUDA runtime, the NVIDIA driver and the GPU device nodes.
 *
 * <p>ND4J itself only logs "Skipped [JCublasBackend] backend (unavailable)" and moves on; these
 * facts turn that into a message that says which part is missing and how to add it.
 *
 * @param cpuBackend ND4J's CPU backend ({@code nd4j-native}) is on the class path
 * @param cudaBackend ND4J's CUDA backend classes ({@code nd4j-cuda-11.6}) are on the class path
 * @param cudaBackendLibraries its native libraries ({@code nd4j-cuda-11.6:linux-x86_64}) are on the class path
 * @param cudaRuntimeLibraries the CUDA runtime ({@code org.bytedeco:cuda:...:linux-x86_64-redist}) is on the class path
 * @param driverLibrary where the NVIDIA driver's {@code libcuda.so.1} is, or null when it was not found
 * @param driverVersion the kernel module's version line, or null
 * @param devices the NVIDIA device nodes, e.g. {@code /dev/nvidia0}
 * @param cudaError why the CUDA backend cannot run (its own check, or loading it), or null when it can
 * @param searched the directories searched for the driver
 */
public record CudaSetup(boolean cpuBackend, boolean cudaBackend, boolean cudaBackendLibraries,
        boolean cudaRuntimeLibraries, String driverLibrary, String driverVersion, List<String> devices,
        String cudaError, List<String> searched) {

    static final String CPU_BACKEND_CLASS = "org.nd4j.linalg.cpu.nativecpu.CpuBackend";
    static final String CUDA_BACKEND_CLASS = "org.nd4j.linalg.jcublas.JCublasBackend";
    static final String CUDA_ARTIFACT = "org.nd4j:nd4j-cuda-11.6:1.0.0-M2.1";
    static final String CUDA_REDIST_ARTIFACT = "org.bytedeco:cuda:11.6-8.3-1.5.7:linux-x86_64-redist";
    static final String BUILD = "mvn -Pcuda -DskipTests package";

    private static CudaSetup probed;

    /** One thing CUDA needs that is not there: a short reason, and what to do about it. */
    public record Missing(String brief, String fix) {}

    /**
     * Looks at the class path, the file system and, when ND4J's CUDA classes are present, asks
     * ND4J's CUDA backend whether it can run. Done once per class loader: the first attempt to load
     * CUDA is the one with the informative error (a second one only says "Could not initialize").
     */
    public static synchronized CudaSetup probe() {
        if (probed == null) {
            probed = probeNow();
        }
        return probed;
    }

    private static CudaSetup probeNow() {
        ClassLoader loader = CudaSetup.class.getClassLoader();
        String platform = Loader.getPlatform();
        boolean cpu = present(CPU_BACKEND_CLASS, loader);
        boolean cuda = present(CUDA_BACKEND_CLASS, loader);
        // JavaCPP unpacks a class's native libraries from <its package>/<platform>/ on the class path
        boolean cudaLibraries = loader.getResource("org/nd4j/linalg/jcublas/bindings/" + platform
                + "/libjnind4jcuda.so") != null;
        boolean runtime = loader.getResource("org/bytedeco/cuda/" + platform + "/libcudart.so.11.0") != null;
        List<String> searched = new ArrayList<>(driverDirectories());
        String driver = null;
        String version = null;
        List<String> devices = List.of();
        if (platform.startsWith("linux")) {
            driver = searched.stream().map(d -> Path.of(d, "libcuda.so.1")).filter(Files::exists).findFirst()
                    .map(Path::toString).orElse(null);
            version = firstLine(Path.of("/proc/driver/nvidia/version"));
            devices = deviceNodes(Path.of("/dev"));
        }
        String error = cuda ? cudaError(loader) : null;
        return new CudaSetup(cpu, cuda, cudaLibraries, runtime, driver, version, devices, error, searched);
    }

    /** What is missing for CUDA, most fundamental first; empty when CUDA can run. */
    public List<Missing> missing() {
        List<Missing> out = new ArrayList<>();
        if (!cudaBackend) {
            out.add(new Missing("no CUDA backend in this build: built without -Pcuda",
                    "ND4J's CUDA backend (" + CUDA_ARTIFACT + ") is not on the class path: build the job jar with "
                            + "the Maven profile cuda (" + BUILD + "; for bin/streamtrain, STREAMTRAIN_PROFILE=cuda) "
                            + "and run that jar"));
        } else {
            if (!cudaBackendLibraries) {
                out.add(new Missing("ND4J's CUDA native libraries are missing",
                        "ND4J's CUDA native libraries (" + CUDA_ARTIFACT + ":linux-x86_64) are not on the class "
                                + "path: build the jar with " + BUILD + ", which bundles them"));
            }
            if (!cudaRuntimeLibraries && cudaError != null) {
                out.add(new Missing("the CUDA 11.6 runtime libraries are missing",
                        "the CUDA 11.6 runtime libraries (" + CUDA_REDIST_ARTIFACT + ") are not on the class path "
                                + "(" + BUILD + " bundles them; or install CUDA 11.6 and cuDNN 8.3 on the "
                                + "library path)"));
            }
        }
        if (driverLibrary == null) {
            out.add(new Missing("no NVIDIA driver (libcuda.so.1)",
                    "the NVIDIA driver: libcuda.so.1 is not in " + String.join(", ", searched) + " (install the "
                            + "NVIDIA driver, 450.80.02 or newer for CUDA 11.6, 510.39 or newer to be safe; in Docker "
                            + "give the task manager the GPU: docker compose -f docker-compose.yml -f docker-compose.gpu.yml up, which "
                            + "needs the NVIDIA Container Toolkit on the host)"));
        }
        if (devices.isEmpty()) {
            out.add(new Missing("no NVIDIA GPU device",
                    "a GPU: there is no NVIDIA device node (/dev/nvidia0, ...) on this machine or in this container"));
        }
        if (cudaBackend && cudaError != null) {
            out.add(new Missing("CUDA failed: " + cudaError, "ND4J's CUDA backend reports: " + cudaError));
        }
        return out;
    }

    /** One line for logs: every fact. */
    public String summary() {
        return "CPU backend " + yesNo(cpuBackend) + ", CUDA backend " + yesNo(cudaBackend) + ", CUDA backend libraries "
                + yesNo(cudaBackendLibraries) + ", CUDA runtime libraries " + yesNo(cudaRuntimeLibraries)
                + ", driver " + (driverLibrary == null ? "not found" : driverLibrary)
                + (driverVersion == null ? "" : " (" + driverVersion + ")")
                + ", devices " + (devices.isEmpty() ? "none" : String.join(" ", devices))
                + (cudaError == null ? "" : ", CUDA error: " + cudaError);
    }

    private static String yesNo(boolean b) {
        return b ? "yes" : "no";
    }

    private static boolean present(String className, ClassLoader loader) {
        try {
            Class.forName(className, false, loader);
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Runs the CUDA backend's own check ({@code JCublasBackend.canRun()}: counts devices through the
     * CUDA runtime, loads cuBLAS) and returns the root cause of its failure. Reflection, because the
     * CPU-only build has no CUDA classes to compile against; canRun rather than isAvailable, which
     * prints the stack trace to stderr.
     */
    private static String cudaError(ClassLoader loader) {
        try {
            Object backend = Class.forName(CUDA_BACKEND_CLASS, true, loader).getDeclaredConstructor().newInstance();
            Object ok = backend.getClass().getMethod("canRun").invoke(backend);
            return Boolean.TRUE.equals(ok) ? null : "no CUDA device can run ND4J";
        } catch (InvocationTargetException e) {
            return rootMessage(e.getCause());
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return rootMessage(e);
        }
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message.strip());
    }

    /** The library path first, then where distributions and the NVIDIA Container Toolkit put the driver. */
    private static Set<String> driverDirectories() {
        Set<String> dirs = new LinkedHashSet<>();
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) {
            for (String d : ld.split(":")) {
                if (!d.isBlank()) {
                    dirs.add(d);
                }
            }
        }
        dirs.addAll(List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/nvidia/lib64",
                "/usr/lib/wsl/lib"));
        return dirs;
    }

    static List<String> deviceNodes(Path dev) {
        try (Stream<Path> entries = Files.list(dev)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.matches("nvidia[0-9]+")).sorted()
                    .map(n -> dev.resolve(n).toString()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String firstLine(Path file) {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.findFirst().map(String::strip).orElse(null);
        } catch (IOException | SecurityException e) {
            return null;
        }
    }
}
