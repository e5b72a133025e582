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
            .withDescription("JDBC url of the snapshot database (SQLite, PostgreSQL or MariaDB). Credentials: in the url "
                    + "(e.g. password=${env:PGPASSWORD}), or from STREAMTRAIN_JDBC_USER / STREAMTRAIN_JDBC_PASSWORD; never logged.");

    public static final ConfigOption<String> TABLE_PREFIX = key("sink.table-prefix").stringType().defaultValue("")
            .withDescription("Prefix of the table and view names.");

    public static final ConfigOption<Integer> EVERY_VERSIONS = key("sink.every-versions").intType().defaultValue(100)
            .withDescription("Write a snapshot every this many versions (0 = off); the final version is always written.");

    public static final ConfigOption<Duration> EVERY = key("sink.every").durationType().defaultValue(Duration.ZERO)
            .withDescription("Also write a snapshot when this much time passed since the last (0 = off).");

    public static final ConfigOption<Integer> RETAIN_VERSIONS = key("sink.retain-versions").intType().defaultValue(0)
            .withDescription("Keep the parameter cells of only the newest this many snapshots per model, plus final "
                    + "ones and those of sink.retain-every (0 = keep all). Headers (model_snapshot rows) are always kept.");

    public static final ConfigOption<Integer> RETAIN_EVERY = key("sink.retain-every").intType().defaultValue(0)
            .withDescription("With sink.retain-versions, also keep the cells of every version that is a multiple of "
                    + "this (0 = none).");

    public static final ConfigOption<Duration> RETRY_BACKOFF = key("sink.retry-backoff").durationType()
            .defaultValue(Duration.ofMillis(200))
            .withDescription("A failed snapshot write is retried on a new connection after this long, doubling after "
                    + "each further failure (at most 5 s between attempts).");

    public static final ConfigOption<Duration> MAX_RETRY_TIME = key("sink.max-retry-time").durationType()
            .defaultValue(Duration.ofMinutes(2))
            .withDescription("How long a snapshot write keeps retrying while the database is unreachable; then the "
                    + "job fails and Flink's restart strategy takes over. Training goes on meanwhile.");

    static List<ConfigOption<?>> all() {
        return List.of(URL, TABLE_PREFIX, EVERY_VERSIONS, EVERY, RETAIN_VERSIONS, RETAIN_EVERY, RETRY_BACKOFF,
                MAX_RETRY_TIME);
    }
}
