package io.streamtrain.config;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;

/** The snapshot tables. */
public final class SinkOptions {
    private SinkOptions() {}

    public static final ConfigOption<String> URL = key("sink.url").stringType()
            .defaultValue("jdbc:sqlite:data/streamtrain.db")
            .withDescription("JDBC url of the snapshot database (SQLite, PostgreSQL or MariaDB). Credentials may come from STREAMTRAIN_JDBC_USER / STREAMTRAIN_JDBC_PASSWORD.");

    public static final ConfigOption<String> TABLE_PREFIX = key("sink.table-prefix").stringType().defaultValue("")
            .withDescription("Prefix of the table and view names.");

    public static final ConfigOption<Integer> EVERY_VERSIONS = key("sink.every-versions").intType().defaultValue(100)
            .withDescription("Write a snapshot every this many versions (0 = off); the final version is always written.");

    public static final ConfigOption<Duration> EVERY = key("sink.every").durationType().defaultValue(Duration.ZERO)
            .withDescription("Also write a snapshot when this much time passed since the last (0 = off).");

    public static final ConfigOption<Integer> RETAIN_VERSIONS = key("sink.retain-versions").intType().defaultValue(0)
            .withDescription("Keep only the newest this many snapshots per model, plus final ones (0 = keep all).");

    static List<ConfigOption<?>> all() {
        return List.of(URL, TABLE_PREFIX, EVERY_VERSIONS, EVERY, RETAIN_VERSIONS);
    }
}
