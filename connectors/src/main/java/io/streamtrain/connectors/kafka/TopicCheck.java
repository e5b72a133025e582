package io.streamtrain.connectors.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Checks, before a job is built, that a topic it reads a bounded snapshot of exists: the Kafka
 * source would otherwise fail the running job with a bare "unknown topic" error that names no
 * setting.
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
        requireTopic(bootstrapServers, Map.of(), topic, key, remedy);
    }

    /**
     * {@link #requireTopic(String, String, String, String)} with client properties (security
     * settings, say); those that are admin client settings apply over the defaults.
     */
    public static void requireTopic(String bootstrapServers, Map<String, String> clientProperties, String topic,
            String key, String remedy) throws Exception {
        try (Admin admin = Admin.create(adminProperties(bootstrapServers, clientProperties))) {
            Set<String> topics = admin.listTopics().names().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (!topics.contains(topic)) {
                throw new IllegalStateException(key + "=" + topic + ": there is no such topic on " + bootstrapServers
                        + "; " + remedy);
            }
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
