package io.streamtrain.config;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;

/** Topics and the broker. */
public final class KafkaOptions {
    private KafkaOptions() {}

    public static final ConfigOption<String> BOOTSTRAP_SERVERS = key("kafka.bootstrap-servers").stringType()
            .defaultValue("").withDescription("Kafka bootstrap servers; empty = `local` starts an embedded broker.");

    public static final ConfigOption<String> ROWS_TOPIC = key("kafka.rows-topic").stringType().defaultValue("rows")
            .withDescription("Topic of training rows.");

    public static final ConfigOption<String> DLQ_TOPIC = key("kafka.dlq-topic").stringType().defaultValue("rows.dlq")
            .withDescription("Dead-letter topic: rejected rows, original bytes, reason in a header.");

    public static final ConfigOption<String> PARAMS_TOPIC = key("kafka.params-topic").stringType().defaultValue("params")
            .withDescription("Parameters topic: the feedback loop from the updater to the gradient workers (one partition).");

    public static final ConfigOption<String> HOLDOUT_TOPIC = key("kafka.holdout-topic").stringType()
            .defaultValue("rows.holdout")
            .withDescription("Topic of held-out rows, read up to its end at job start and never trained on: every "
                    + "snapshot records each model's loss and accuracy on them (empty = no held-out evaluation).");

    public static final ConfigOption<Integer> PARTITIONS = key("kafka.partitions").intType().defaultValue(2)
            .withDescription("Partitions of the rows topic when streamtrain creates it.");

    public static final ConfigOption<String> GROUP_ID = key("kafka.group-id").stringType().defaultValue("streamtrain")
            .withDescription("Consumer group id prefix of the job's sources.");

    public static final ConfigOption<Integer> MAX_MESSAGE_BYTES = key("kafka.max-message-bytes").intType()
            .defaultValue(64 << 20).withDescription("Largest parameters message; a bigger model fails with this key's name.");

    public static final ConfigOption<Integer> ROWS_FETCH_BYTES = key("kafka.rows-fetch-bytes").intType()
            .defaultValue(8 << 20).withDescription("Bytes the rows source fetches from one partition at a time (the "
                    + "consumer's max.partition.fetch.bytes; its fetch.max.bytes is twice this). Each source reader "
                    + "holds a few fetches ahead of its parser, so this bounds the rows read into memory before they "
                    + "are parsed; a message larger than it is still fetched whole.");

    /** The prefix of {@link #PROPERTIES}' keys: {@code kafka.properties.<client key>}. */
    public static final String PROPERTIES_PREFIX = "kafka.properties.";

    public static final ConfigOption<Map<String, String>> PROPERTIES = key("kafka.properties").mapType()
            .defaultValue(Map.of())
            .withDescription("Kafka client properties, one key each as kafka.properties.KEY, e.g. "
                    + "kafka.properties.security.protocol: SASL_SSL, kafka.properties.sasl.jaas.config: "
                    + "${env:KAFKA_JAAS}: passed to every Kafka client of the job (rows, params and held-out sources, "
                    + "params and dead-letter sinks, topic checks) and of `produce`, over streamtrain's own tuning. "
                    + "Values of sasl.jaas.config, ssl.keystore.key and keys naming a password, secret, token or "
                    + "credential are masked wherever the configuration is printed. bootstrap.servers, group.id and "
                    + "the (de)serializers are not allowed here (kafka.bootstrap-servers and kafka.group-id set them).");

    /** Client keys that streamtrain sets itself: giving them in {@link #PROPERTIES} fails, naming what to use. */
    static final Map<String, String> RESERVED_PROPERTIES = Map.of(
            "bootstrap.servers", "set " + BOOTSTRAP_SERVERS.key() + " instead",
            "group.id", "set " + GROUP_ID.key() + " instead (each source appends its own suffix)",
            "key.serializer", "streamtrain's sinks and produce write raw bytes with their own serializers",
            "value.serializer", "streamtrain's sinks and produce write raw bytes with their own serializers",
            "key.deserializer", "streamtrain's sources read with their own deserializers",
            "value.deserializer", "streamtrain's sources read with their own deserializers");

    private static final Set<String> SECRET_KEYS = Set.of("sasl.jaas.config", "ssl.keystore.key");
    private static final List<String> SECRET_WORDS = List.of("password", "secret", "token", "credential");

    /**
     * Whether a configuration key holds a secret whose value must never be printed: the JAAS
     * configuration (it carries the SASL password), a PEM private key, and any key naming a
     * password, secret, token or credential.
     */
    public static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        String client = k.startsWith(PROPERTIES_PREFIX) ? k.substring(PROPERTIES_PREFIX.length()) : k;
        return SECRET_KEYS.contains(client) || SECRET_WORDS.stream().anyMatch(k::contains);
    }

    static List<ConfigOption<?>> all() {
        return List.of(BOOTSTRAP_SERVERS, ROWS_TOPIC, DLQ_TOPIC, PARAMS_TOPIC, HOLDOUT_TOPIC, PARTITIONS, GROUP_ID,
                MAX_MESSAGE_BYTES, ROWS_FETCH_BYTES, PROPERTIES);
    }
}
