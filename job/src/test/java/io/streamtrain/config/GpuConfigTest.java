package io.streamtrain.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.compute.ComputeBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** config/seed-gpu.yaml is valid and asks for what suits a GPU: CUDA, float32, large blocks. */
class GpuConfigTest {
    private static final Path GPU_YAML = Path.of("..", "config", "seed-gpu.yaml");

    @Test
    void theGpuConfigurationLoadsAndAsksForCudaFloat32AndLargeBatches() throws Exception {
        StreamtrainConfig c = StreamtrainConfig.load(GPU_YAML, Map.of());
        assertThat(c.computeBackend()).isEqualTo(ComputeBackend.Choice.CUDA);
        assertThat(c.get(TrainingOptions.DTYPE)).isEqualTo("float32");
        assertThat(c.get(TrainingOptions.BATCH_SIZE)).isEqualTo(2048);
        assertThat(c.architecture().sizes()).containsExactly(2, 512, 512, 2);
        Map<String, String> flat = StreamtrainConfig.flattenYaml(Files.readString(GPU_YAML), "seed-gpu.yaml");
        assertThat(flat).containsEntry("compute.backend", "cuda");
    }
}
