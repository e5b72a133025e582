package io.streamtrain.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.config.StreamtrainConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalRunTest {
    @Test
    void theSummaryLineSaysHowTheWorkersAndTheUpdaterShareTheWork() {
        assertThat(LocalRun.consistency(StreamtrainConfig.of(Map.of("training.consistency", "sync"))))
                .isEqualTo("sync: one block per shard per version");
        assertThat(LocalRun.consistency(StreamtrainConfig.of(Map.of("training.max-in-flight", "1"))))
                .isEqualTo("bounded: 1 block in flight per shard, 2 per version");
        assertThat(LocalRun.consistency(StreamtrainConfig.of(Map.of("training.consistency", "local",
                "training.local-steps", "8"))))
                .isEqualTo("local: a replica per shard, merged every 8 blocks, each round from the merged version");
        assertThat(LocalRun.consistency(StreamtrainConfig.of(Map.of("training.consistency", "local",
                "training.local-steps", "8", "training.local-overlap", "true", "training.max-in-flight", "1"))))
                .isEqualTo("local: a replica per shard, merged every 8 blocks, training on with up to 1 in flight");
    }
}
