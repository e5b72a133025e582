package io.streamtrain.config;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.MemorySize;

/** Mini-batches, the update window and staleness. */
public final class TrainingOptions {
    private TrainingOptions() {}

    /** The values of {@link #CONSISTENCY}. */
    public enum Consistency {
        /** One gradient block per shard per version; equals mini-batch gradient descent. */
        SYNC,
        /** Workers keep at most training.max-in-flight blocks unconsumed; training.max-staleness drops staler ones. */
        BOUNDED,
        /** No flow control and no staleness bound. */
        ASYNC,
        /**
         * Each shard trains a replica for training.local-steps blocks and sends its parameter
         * change; the updater averages the changes (federated averaging).
         */
        LOCAL;

        /** The name as written in the configuration. */
        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static final ConfigOption<String> CONSISTENCY = key("training.consistency").stringType()
            .defaultValue("bounded")
            .withDescription("sync: every version waits for one gradient block from every shard (sets "
                    + "training.window-blocks = job.shards, training.max-in-flight = 1, no window timeout; equals "
                    + "mini-batch gradient descent); bounded: each shard keeps at most training.max-in-flight blocks "
                    + "unconsumed and training.max-staleness drops staler gradients; async: no flow control, no "
                    + "staleness bound; local: each shard trains its own replica of the model with the optimizer and "
                    + "every training.local-steps blocks sends the change, which the updater averages over a window "
                    + "(federated averaging; training.local-overlap says whether a replica trains on while its change "
                    + "travels).");

    public static final ConfigOption<Integer> LOCAL_STEPS = key("training.local-steps").intType().defaultValue(4)
            .withDescription("Local mode: blocks a shard trains its replica on between two merges (>= 1).");

    public static final ConfigOption<Boolean> LOCAL_OVERLAP = key("training.local-overlap").booleanType()
            .defaultValue(false)
            .withDescription("Local mode: false: after sending its change a replica waits for the version that merged "
                    + "it and trains its next round from that version; true: it trains on while the change travels "
                    + "(up to training.max-in-flight merges unconsumed) and carries that progress onto the new version, "
                    + "which spares the workers the wait but computes each round on parameters without the other "
                    + "replicas' last changes (fashion benchmark at parallelism 2: held-out 0.81-0.83 against 0.85).");

    public static final ConfigOption<Integer> BATCH_SIZE = key("training.batch-size").intType().defaultValue(64)
            .withDescription("Rows per mini-batch block; each block gives one gradient per model.");

    public static final ConfigOption<Duration> BATCH_TIMEOUT = key("training.batch-timeout").durationType()
            .defaultValue(Duration.ofMillis(200))
            .withDescription("A partial block is sent after this long without filling up (0 = only when full or at end of input).");

    public static final ConfigOption<Integer> WINDOW_BLOCKS = key("training.window-blocks").intType().defaultValue(2)
            .withDescription("Gradient blocks merged into one optimizer step (bounded and async; sync takes one block "
                    + "from every shard; local: replica changes averaged into one version).");

    public static final ConfigOption<Duration> WINDOW_TIMEOUT = key("training.window-timeout").durationType()
            .defaultValue(Duration.ofMillis(500))
            .withDescription("An incomplete window is applied after this long (0 = wait for training.window-blocks; "
                    + "sync never applies an incomplete window).");

    public static final ConfigOption<Long> MAX_STALENESS = key("training.max-staleness").longType().defaultValue(-1L)
            .withDescription("Bounded mode: gradients computed more than this many versions ago are dropped and "
                    + "counted (blocks_dropped); -1 = no bound beyond the one training.max-in-flight gives.");

    public static final ConfigOption<Integer> MAX_IN_FLIGHT = key("training.max-in-flight").intType().defaultValue(2)
            .withDescription("Bounded mode: blocks a shard may have sent that no version it knows has consumed yet; "
                    + "bounds staleness (sync uses 1, async has no limit). Local mode with training.local-overlap: "
                    + "merges a shard may have sent unconsumed while its replica trains on (without it, 1).");

    public static final ConfigOption<MemorySize> READ_AHEAD = key("training.read-ahead").memoryType()
            .defaultValue(MemorySize.parse("64mb"))
            .withDescription("How far the rows sources may read ahead of what the published versions can have "
                    + "trained, in bytes of rows as they come from Kafka, over all shards; beyond it they pause until new "
                    + "versions come, so a topic that holds a backlog waits in Kafka instead of in the gradient workers' "
                    + "heap and checkpoints. Never less than twice the blocks one version merges plus one block per "
                    + "parser. 0: no bound (the sources read as fast as Kafka delivers).");

    public static final ConfigOption<String> DTYPE = key("training.dtype").stringType().defaultValue("float32")
            .withDescription("ND4J data type of the gradient workers: float32 or float64.");

    public static final ConfigOption<Double> DIVERGENCE_FACTOR = key("training.divergence-factor").doubleType()
            .defaultValue(10.0)
            .withDescription("A version whose rows scored a loss above this many times the model's recent level (an "
                    + "exponential moving average of the window losses) has diverged: the updater discards the update, "
                    + "goes back to the last good parameters and optimizer state, and counts it (0 = off, else > 1).");

    public static final ConfigOption<Integer> DIVERGENCE_WARMUP = key("training.divergence-warmup").intType()
            .defaultValue(1)
            .withDescription("Versions whose loss only sets the level of training.divergence-factor before the guard "
                    + "judges (>= 1).");

    static List<ConfigOption<?>> all() {
        return List.of(CONSISTENCY, LOCAL_STEPS, LOCAL_OVERLAP, BATCH_SIZE, BATCH_TIMEOUT, WINDOW_BLOCKS, WINDOW_TIMEOUT, MAX_STALENESS, MAX_IN_FLIGHT, READ_AHEAD, DTYPE,
                DIVERGENCE_FACTOR, DIVERGENCE_WARMUP);
    }
}
