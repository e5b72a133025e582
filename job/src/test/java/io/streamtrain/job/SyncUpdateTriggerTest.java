package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamtrain.config.ModelSpec;
import io.streamtrain.connectors.record.ModelVersion;
import io.streamtrain.nn.Architecture;
import io.streamtrain.nn.Initializer;
import io.streamtrain.nn.Sgd;
import io.streamtrain.nn.UpdateRule;
import java.util.List;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.windowing.assigners.GlobalWindows;
import org.apache.flink.streaming.api.windowing.windows.GlobalWindow;
import org.apache.flink.streaming.runtime.operators.windowing.WindowOperatorBuilder;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The synchronous window in the updater as the job builds it: a version is one block from every
 * shard, or from every shard that has not ended; blocks without rows never complete a window.
 */
class SyncUpdateTriggerTest {
    private static final Architecture SEED = Architecture.seed();
    private static final int SHARDS = 3;
    private static final int ROWS = 8;
    private static final ModelSpec MODEL = new ModelSpec("seed", SEED, Initializer.HE.initialize(SEED, 7, 0),
            new UpdateRule(SEED, new Sgd(), 0.1, 0), "sgd lr 0.1", "hash");

    private KeyedOneInputStreamOperatorTestHarness<String, GradientBlock, ModelVersion> harness;

    @BeforeEach
    void open() throws Exception {
        var builder = new WindowOperatorBuilder<GradientBlock, String, GlobalWindow>(GlobalWindows.create(),
                new SyncUpdateTrigger(SHARDS), new ExecutionConfig(), TypeInformation.of(GradientBlock.class),
                new StreamtrainJob.ModelKey(), Types.STRING);
        var operator = builder.process(new ApplyOptimizer(List.of(MODEL), -1, new SnapshotPolicy(0, 0), "rows", SHARDS));
        harness = new KeyedOneInputStreamOperatorTestHarness<>(operator, new StreamtrainJob.ModelKey(), Types.STRING);
        harness.setup();
        harness.open();
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private void block(int shard, long baseVersion) throws Exception {
        harness.processElement(new GradientBlock("seed", shard, 0, baseVersion, new double[SEED.parameterCount()], ROWS,
                0, 0, 0, false, new int[0], new long[0]), 0);
    }

    private void rejectionsOnly(int shard) throws Exception {
        harness.processElement(new GradientBlock("seed", shard, 0, 0, new double[0], 0, 0, 0, 2, false, new int[0],
                new long[0]), 0);
    }

    private void end(int shard) throws Exception {
        harness.processElement(new GradientBlock("seed", shard, 0, 0, new double[0], 0, 0, 0, 0, true, new int[0],
                new long[0]), 0);
    }

    private List<ModelVersion> versions() {
        return harness.extractOutputValues();
    }

    @Test
    void aVersionWaitsForOneBlockFromEveryShardThatHasNotEnded() throws Exception {
        block(0, 0);
        block(1, 0);
        rejectionsOnly(2);
        assertThat(versions()).isEmpty();
        block(2, 0);
        assertThat(versions()).singleElement().satisfies(v -> {
            assertThat(v.version()).isEqualTo(1);
            assertThat(v.rowsTrained()).isEqualTo(SHARDS * ROWS);
            assertThat(v.rowsRejected()).isEqualTo(2);
            assertThat(v.shardBlocks()).containsExactly(1, 1, 1);
        });

        // shard 2 ends with nothing in the window: the marker is taken at once, and from now on a
        // version needs shards 0 and 1 only
        end(2);
        assertThat(versions()).hasSize(1);
        block(0, 1);
        assertThat(versions()).hasSize(1);
        block(1, 1);
        assertThat(versions()).hasSize(2);
        assertThat(versions().get(1).version()).isEqualTo(2);
        assertThat(versions().get(1).rowsTrained()).isEqualTo((SHARDS + 2) * ROWS);

        // shard 1 ends while shard 0's block waits: that completes the window; then shard 0 ends
        block(0, 2);
        end(1);
        assertThat(versions()).hasSize(3);
        assertThat(versions().get(2).version()).isEqualTo(3);
        assertThat(versions().get(2).last()).isFalse();
        end(0);
        assertThat(versions()).hasSize(4);
        assertThat(versions().get(3).last()).isTrue();
        assertThat(versions().get(3).rowsTrained()).isEqualTo((SHARDS + 3) * ROWS);
    }

    @Test
    void anEndMarkerWaitsInTheWindowForTheOtherShardsBlocks() throws Exception {
        // shard 1 sends its last block and its end marker before shard 0's block of the same step:
        // the step still takes both blocks
        block(1, 0);
        end(1);
        end(2);
        assertThat(versions()).isEmpty();
        block(0, 0);
        assertThat(versions()).singleElement().satisfies(v -> {
            assertThat(v.rowsTrained()).isEqualTo(2 * ROWS);
            assertThat(v.last()).isFalse();
        });
    }
}
