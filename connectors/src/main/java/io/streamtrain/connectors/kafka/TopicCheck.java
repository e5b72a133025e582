package io.streamtrain.connectors.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * Checks, before a job is built, that the topics it reads and writes exist: the Kafka source
 * would otherwise fail the running job with a bare "unknown topic" error that names no setting (and
 * a producer may wait for it until it times out).
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
        requireTopics(bootstrapServers, Map.of(key, topic), remedy);
    }

    /**
     * Checks several topics at once.
     *
     * @param topics per configuration key, the topic it names
     * @throws IllegalStateException naming every key whose topic the broker does not have
     */
    public static void requireTopics(String bootstrapServers, Map<String, String> topics, String remedy)
            throws Exception {
        try (Admin admin = admin(bootstrapServers)) {
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

    /** Per partition of {@code topic}, the offset after its last record now. */
    public static Map<TopicPartition, Long> endOffsets(String bootstrapServers, String topic) throws Exception {
        try (Admin admin = admin(bootstrapServers)) {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(topic);
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            description.partitions().forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            Map<TopicPartition, Long> out = new TreeMap<>(java.util.Comparator.comparingInt(TopicPartition::partition));
            admin.listOffsets(request).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        }
    }

    private static Admin admin(String bootstrapServers) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis()));
    }
}
