package io.streamtrain.connectors.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * Checks, before a job is built, that the topics it reads exist: the Kafka source would otherwise
 * fail the running job with a bare "unknown topic" error that names no setting.
 */
public final class TopicCheck {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private TopicCheck() {}

    /**
     * @param key the configuration key the topic name came from, named in the message
     * @param remedy what the user can do instead, appended to the message
     * @throws IllegalStateException when the broker answers and has no such topic
     */
    public static void requireTopic(String bootstrapServers, String topic, String key, String remedy)
            throws Exception {
        requireTopics(bootstrapServers, Map.of(), Map.of(key, topic), remedy);
    }

    /**
     * {@link #requireTopic(String, String, String, String)} with client properties (security
     * settings, say); those that are admin client settings apply over the defaults.
     */
    public static void requireTopic(String bootstrapServers, Map<String, String> clientProperties, String topic,
            String key, String remedy) throws Exception {
        requireTopics(bootstrapServers, clientProperties, Map.of(key, topic), remedy);
    }

    /** {@link #requireTopics(String, Map, Map, String)} without client properties. */
    public static void requireTopics(String bootstrapServers, Map<String, String> topics, String remedy)
            throws Exception {
        requireTopics(bootstrapServers, Map.of(), topics, remedy);
    }

    /**
     * Checks several topics at once.
     *
     * @param clientProperties Kafka client settings (security, say); the admin client's apply
     * @param topics per configuration key, the topic it names
     * @throws IllegalStateException naming every key whose topic the broker does not have
     */
    public static void requireTopics(String bootstrapServers, Map<String, String> clientProperties,
            Map<String, String> topics, String remedy) throws Exception {
        try (Admin admin = Admin.create(adminProperties(bootstrapServers, clientProperties))) {
            Set<String> existing = admin.listTopics().names().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            List<String> missing = new ArrayList<>();
            topics.forEach((key, topic) -> {
                if (!existing.contains(topic)) {
                    missing.add(key + "=" + topic);
                }
            });
            if (!missing.isEmpty()) {
                throw new IllegalStateException(String.join(", ", missing) + ": there is no such topic on "
                        + bootstrapServers + "; " + remedy);
            }
        }
    }

    /**
     * Per partition of {@code topic}, in partition order, the offset after its last record now. The
     * map is serializable: a bounded job's rows source carries it in the job graph.
     *
     * @param clientProperties {@code kafka.properties.*} (security, ...), as every client of the job gets them
     */
    public static Map<TopicPartition, Long> endOffsets(String bootstrapServers, Map<String, String> clientProperties,
            String topic) throws Exception {
        try (Admin admin = Admin.create(adminProperties(bootstrapServers, clientProperties))) {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(topic);
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            description.partitions().forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            // not a TreeMap with a lambda comparator: that does not serialize, and a cluster refuses the job
            Map<TopicPartition, Long> out = new LinkedHashMap<>();
            admin.listOffsets(request).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).entrySet().stream()
                    .sorted(Comparator.comparingInt(e -> e.getKey().partition()))
                    .forEach(e -> out.put(e.getKey(), e.getValue().offset()));
            return out;
        }
    }

    /**
     * The admin client's settings: the bootstrap servers, a 30 s API timeout, and those of
     * {@code clientProperties} that an admin client knows (producer- or consumer-only keys are left
     * out, where the admin client would warn about them).
     */
    public static Properties adminProperties(String bootstrapServers, Map<String, String> clientProperties) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(TIMEOUT.toMillis()));
        clientProperties.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(k)) {
                props.put(k, v);
            }
        });
        return props;
    }
}
