package io.streamtrain.compute;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.factory.Nd4jBackend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks that ND4J runs on the backend {@code compute.backend} asks for, and says which backend
 * and device it got.
 *
 * <p>ND4J picks its backend once per class loader, from the jars on the class path: the CUDA
 * backend (priority 100) when it is there and a GPU works, else the CPU backend (priority 0).
 * The configuration cannot change that pick; it can only check it, so a mismatch fails fast with
 * what is missing instead of training on the wrong device:
 * <ul>
 *   <li>{@code cuda} on anything but CUDA fails and lists what CUDA lacks here (the {@code -Pcuda}
 *       jar, its libraries, the driver, the device);
 *   <li>{@code cpu} on CUDA fails too (the CUDA-built jar has no CPU backend): run the CPU jar;
 *   <li>{@code auto} takes what ND4J picked and says why when that is not a GPU.
 * </ul>
 */
public final class ComputeBackend {
    private static final Logger LOG = LoggerFactory.getLogger(ComputeBackend.class);
    private static final String KEY = "compute.backend";

    private ComputeBackend() {}

    /** The configured choice. */
    public enum Choice {
        AUTO, CPU, CUDA;

        public static Choice fromConfig(String value) {
            for (Choice c : values()) {
                if (c.configName().equals(value.trim().toLowerCase(Locale.ROOT))) {
                    return c;
                }
            }
            throw new IllegalArgumentException("must be auto, cpu or cuda, got '" + value + "'");
        }

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The backend ND4J loaded and the device this thread computes on.
     *
     * @param gpu true on ND4J's CUDA backend
     * @param backend ND4J's backend class, e.g. {@code CpuBackend} or {@code JCublasBackend}
     * @param device e.g. {@code CPU (OPENBLAS, 16 cores)} or {@code CUDA device 0 of 1: NVIDIA H100 ...}
     */
    public record Loaded(boolean gpu, String backend, String device) {}

    /** A passed check: what ND4J runs on, and the line that says so. */
    public record Checked(Choice choice, Loaded loaded, String message) {}

    /**
     * Loads ND4J if it is not loaded yet, checks its backend against {@code choice} and logs the
     * outcome, prefixed with {@code who} (e.g. "gradient worker 3").
     *
     * @throws ComputeBackendException when the backend cannot be had; the message says what is missing
     */
    public static Checked require(Choice choice, String who) {
        // before ND4J: the first attempt to load CUDA carries the informative error
        CudaSetup setup = CudaSetup.probe();
        Loaded loaded;
        try {
            loaded = loaded();
        } catch (LinkageError | RuntimeException e) {
            throw new ComputeBackendException(who + ": " + noBackend(choice, setup, e), e);
        }
        String message;
        try {
            message = check(choice, loaded, setup);
        } catch (ComputeBackendException e) {
            throw new ComputeBackendException(who + ": " + e.getMessage(), null);
        }
        LOG.info("{}: {}", who, message);
        if (!loaded.gpu() && choice != Choice.CPU) {
            LOG.debug("{}: CUDA set-up: {}", who, setup.summary());
        }
        return new Checked(choice, loaded, who + ": " + message);
    }

    /** What ND4J runs on, for this thread. */
    public static Loaded loaded() {
        Nd4jBackend backend = Nd4j.getBackend();
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        boolean gpu = !backend.getEnvironment().isCPU();
        return new Loaded(gpu, backend.getClass().getSimpleName(), gpu ? cudaDevice(env) : cpuDevice(env));
    }

    /**
     * The verdict on what ND4J loaded: the line to log, or a {@link ComputeBackendException}.
     * Separate from {@link #require} so that every combination is tested on a CPU-only machine.
     */
    static String check(Choice choice, Loaded loaded, CudaSetup setup) {
        String on = loaded.device() + " [ND4J " + loaded.backend() + "]";
        switch (choice) {
            case CUDA:
                if (loaded.gpu()) {
                    return KEY + "=cuda: ND4J runs on " + on + ", as configured";
                }
                throw new ComputeBackendException(KEY + "=cuda, but ND4J runs on " + on + ". Missing for CUDA:"
                        + list(setup.missing())
                        + "\nOr set " + KEY + "=auto (or cpu) to train on the CPU.", null);
            case CPU:
                if (!loaded.gpu()) {
                    return KEY + "=cpu: ND4J runs on " + on + ", as configured";
                }
                throw new ComputeBackendException(KEY + "=cpu, but ND4J loaded its CUDA backend on " + on
                        + ": this job jar was built with the Maven profile cuda. Run the jar built without -Pcuda, "
                        + "or set " + KEY + "=cuda (or auto) to train on the GPU"
                        + (setup.cpuBackend() ? ", or start the task manager with the environment variable "
                                + "BACKEND_PRIORITY_CPU=101 (above BACKEND_PRIORITY_GPU, 100 by default) so that "
                                + "ND4J prefers its CPU backend" : "")
                        + ".", null);
            case AUTO:
            default:
                if (loaded.gpu()) {
                    return KEY + "=auto: a GPU is usable, ND4J runs on " + on;
                }
                List<CudaSetup.Missing> missing = setup.missing();
                String why = missing.isEmpty() ? "ND4J did not pick CUDA" : missing.get(0).brief();
                return KEY + "=auto: no usable GPU (" + why + "), ND4J runs on " + on;
        }
    }

    /** The message when ND4J could not load any backend. */
    static String noBackend(Choice choice, CudaSetup setup, Throwable error) {
        StringBuilder sb = new StringBuilder(KEY + "=" + choice.configName() + ", but no ND4J backend could start");
        if (setup.cudaBackend() && !setup.cpuBackend()) {
            sb.append(": this job jar has only ND4J's CUDA backend (built with -Pcuda), and CUDA cannot run here. ")
                    .append("Missing for CUDA:").append(list(setup.missing()));
            if (choice != Choice.CUDA) {
                sb.append("\nOn machines without a GPU, run the jar built without -Pcuda.");
            }
        } else {
            sb.append(": ").append(CudaSetup.rootMessage(error));
        }
        return sb.toString();
    }

    private static String list(List<CudaSetup.Missing> missing) {
        if (missing.isEmpty()) {
            return " nothing found missing; see ND4J's warnings in the log";
        }
        return missing.stream().map(m -> "\n  - " + m.fix()).collect(Collectors.joining());
    }

    private static String cpuDevice(Properties env) {
        return "CPU (" + env.getOrDefault("blas.vendor", "BLAS unknown") + ", " + env.getOrDefault("cores", "?")
                + " cores)";
    }

    /** The device of the calling thread: ND4J binds each thread to one GPU, round-robin. */
    private static String cudaDevice(Properties env) {
        int device = Nd4j.getAffinityManager().getDeviceForCurrentThread();
        int count = Nd4j.getAffinityManager().getNumberOfDevices();
        String name = "?";
        String details = "";
        if (env.get("cuda.devicesInformation") instanceof List<?> devices && device < devices.size()
                && devices.get(device) instanceof Map<?, ?> d) {
            name = String.valueOf(d.get("cuda.deviceName"));
            details = String.format(Locale.ROOT, " (compute capability %s.%s, %.1f GiB)", d.get("cuda.deviceMajor"),
                    d.get("cuda.deviceMinor"), d.get("cuda.totalMemory") instanceof Number n
                            ? n.doubleValue() / (1L << 30) : Double.NaN);
        }
        return "CUDA device " + device + " of " + count + ": " + name + details;
    }
}
