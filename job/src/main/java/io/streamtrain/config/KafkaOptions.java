package io.streamtrain.config;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.util.List;
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

    static List<ConfigOption<?>> all() {
        return List.of(BOOTSTRAP_SERVERS, ROWS_TOPIC, DLQ_TOPIC, PARAMS_TOPIC, HOLDOUT_TOPIC, PARTITIONS, GROUP_ID, MAX_MESSAGE_BYTES);
    }
}
