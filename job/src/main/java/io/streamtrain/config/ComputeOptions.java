package io.streamtrain.config;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.util.List;
import org.apache.flink.configuration.ConfigOption;

/** Where the math runs: ND4J's CPU or CUDA backend. */
public final class ComputeOptions {
    private ComputeOptions() {}

    public static final ConfigOption<String> BACKEND = key("compute.backend").stringType().defaultValue("auto")
            .withDescription("ND4J backend of the gradient workers: auto (the GPU when ND4J can use one, else the CPU), "
                    + "cpu, or cuda (needs the job jar built with `-Pcuda` and an NVIDIA GPU). Checked when each "
                    + "worker starts; a backend that cannot be had fails the job with what is missing.");

    static List<ConfigOption<?>> all() {
        return List.of(BACKEND);
    }
}
