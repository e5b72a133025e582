package io.streamtrain.cli;

import io.streamtrain.compute.ComputeBackend;
import io.streamtrain.compute.CudaSetup;
import io.streamtrain.config.StreamtrainConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code streamtrain backend}: which ND4J backend and device this machine gives the job, checked against compute.backend. */
@Command(name = "backend", mixinStandardHelpOptions = true,
        description = "Show the ND4J backend and device this machine and build give the job, and check them against "
                + "compute.backend (exit status 1 and what is missing when they do not match).")
public final class BackendCommand implements Callable<Integer> {

    @Option(names = "--config", description = "Job configuration (YAML); only compute.backend is used.")
    Path configFile;

    @Option(names = "--set", description = "Any configuration key, e.g. --set compute.backend=cuda (repeatable).")
    List<String> sets = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        Map<String, String> overrides = StreamtrainConfig.parseAssignments(sets);
        StreamtrainConfig config = StreamtrainConfig.load(configFile, overrides);
        out.println("compute.backend  " + config.computeBackend().configName());
        out.println("CUDA set-up      " + CudaSetup.probe().summary());
        out.flush();
        ComputeBackend.Checked checked = ComputeBackend.require(config.computeBackend(), "backend check");
        out.println("ND4J backend     " + checked.loaded().backend());
        out.println("device           " + checked.loaded().device());
        out.println(checked.message());
        return 0;
    }
}
