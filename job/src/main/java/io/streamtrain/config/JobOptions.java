package io.streamtrain.config;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;

/** The Flink job as a whole. */
public final class JobOptions {
    private JobOptions() {}

    public static final ConfigOption<String> NAME = key("job.name").stringType().defaultValue("streamtrain")
            .withDescription("Flink job name.");

    public static final ConfigOption<Integer> PARALLELISM = key("job.parallelism").intType().defaultValue(2)
            .withDescription("Parallelism of the source, parser and gradient workers.");

    public static final ConfigOption<Integer> SHARDS = key("job.shards").intType().defaultValue(0)
            .withDescription("Shard keys of the gradient workers (0 = job.parallelism); at least job.parallelism.");

    public static final ConfigOption<Duration> CHECKPOINT_INTERVAL = key("job.checkpoint-interval").durationType()
            .defaultValue(Duration.ZERO).withDescription("Checkpoint interval (0 = no checkpoints).");

    public static final ConfigOption<Boolean> WEB_UI = key("job.web-ui").booleanType().defaultValue(true)
            .withDescription("`local`: serve the Flink web UI of the MiniCluster on a free loopback port.");

    public static final ConfigOption<Boolean> BOUNDED = key("job.bounded").booleanType().defaultValue(false)
            .withDescription("The job jar on a cluster (ClusterJob): true = train on the rows the rows topic holds "
                    + "when the job starts, write the final snapshot and finish; false = train until stopped "
                    + "(`flink stop --drain` writes the final snapshot, the savepoint resumes). `local` always "
                    + "ends after the rows it sends.");

    static List<ConfigOption<?>> all() {
        return List.of(NAME, PARALLELISM, SHARDS, CHECKPOINT_INTERVAL, WEB_UI, BOUNDED);
    }
}
