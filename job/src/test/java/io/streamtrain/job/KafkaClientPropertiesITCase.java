package io.streamtrain.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamtrain.config.StreamtrainConfig;
import io.streamtrain.connectors.kafka.EmbeddedKafka;
import io.streamtrain.connectors.kafka.ReadAheadSource;
import io.streamtrain.connectors.kafka.StopOnFinalSource;
import io.streamtrain.connectors.kafka.TopicCheck;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kafka.properties.*} reach every Kafka client that {@link StreamtrainJob#fromConfig} builds:
 * the rows, params and held-out sources, the params and dead-letter sinks, and the admin client of
 * the held-out topic check (which runs against a real, embedded broker).
 */
class KafkaClientPropertiesITCase {
    @TempDir
    static Path dir;

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        kafka.createTopics(Map.of("props-holdout", 1));
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @Test
    void everyClientOfTheJobGetsTheConfiguredProperties() throws Exception {
        StreamtrainJob job = job(Map.of(
                "kafka.holdout-topic", "props-holdout",
                "kafka.properties.client.dns.lookup", "use_all_dns_ips",
                "kafka.properties.reconnect.backoff.ms", "77",
                // over streamtrain's own tuning of the rows consumer and the dead-letter producer
                "kafka.properties.fetch.max.wait.ms", "123",
                "kafka.properties.linger.ms", "9",
                "sink.url", "jdbc:sqlite:" + dir.resolve("props.db")));

        Properties rows = properties(unwrap(field(job, "rows")));
        Properties params = properties(unwrap(field(job, "params")));
        Properties holdout = properties(job, "holdout");
        Properties paramsSink = properties(job, "paramsSink");
        Properties deadLetters = properties(job, "deadLetterSink");
        for (Properties p : new Properties[] {rows, params, holdout, paramsSink, deadLetters}) {
            assertThat(p.getProperty("client.dns.lookup")).isEqualTo("use_all_dns_ips");
            assertThat(p.getProperty("reconnect.backoff.ms")).isEqualTo("77");
            assertThat(p.getProperty("bootstrap.servers")).isEqualTo(kafka.bootstrapServers());
        }
        assertThat(rows.getProperty("fetch.max.wait.ms")).isEqualTo("123");
        // the rows source's read-ahead bound reads the parameters topic with an admin client: its settings among them
        @SuppressWarnings("unchecked")
        Map<String, String> readAhead = (Map<String, String>) field(field(job, "rows"), "kafka");
        assertThat(readAhead).containsEntry("client.dns.lookup", "use_all_dns_ips")
                .containsEntry("reconnect.backoff.ms", "77").containsEntry("bootstrap.servers", kafka.bootstrapServers())
                .doesNotContainKey("linger.ms");
        assertThat(deadLetters.getProperty("linger.ms")).isEqualTo("9");
        // streamtrain's own settings that the user did not touch stay
        assertThat(params.getProperty("max.partition.fetch.bytes")).isEqualTo(Integer.toString(64 << 20));
        assertThat(rows.getProperty("group.id")).isEqualTo("streamtrain-rows");
        // the rows source fetches kafka.rows-fetch-bytes a partition, not kafka.max-message-bytes
        assertThat(rows.getProperty("max.partition.fetch.bytes")).isEqualTo(Integer.toString(8 << 20));
        assertThat(rows.getProperty("fetch.max.bytes")).isEqualTo(Integer.toString(16 << 20));
    }

    @Test
    void theRowsSourceFetchesTheConfiguredBytesAPartition() throws Exception {
        StreamtrainJob job = job(Map.of(
                "kafka.holdout-topic", "",
                "kafka.rows-fetch-bytes", "65536",
                "sink.url", "jdbc:sqlite:" + dir.resolve("fetch.db")));

        Properties rows = properties(unwrap(field(job, "rows")));
        assertThat(rows.getProperty("max.partition.fetch.bytes")).isEqualTo("65536");
        assertThat(rows.getProperty("fetch.max.bytes")).isEqualTo("131072");
        // the parameters source still takes a whole version in one fetch
        assertThat(properties(unwrap(field(job, "params"))).getProperty("max.partition.fetch.bytes"))
                .isEqualTo(Integer.toString(64 << 20));
    }

    @Test
    void theTopicCheckAdminClientGetsTheAdminSettingsAmongThem() throws Exception {
        Properties admin = TopicCheck.adminProperties("b:9092",
                Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN", "linger.ms", "5"));
        assertThat(admin).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("bootstrap.servers", "b:9092")
                // a producer setting, unknown to an admin client: left out
                .doesNotContainKey("linger.ms");
        // and with them, against the real broker: an admin setting that breaks the connection breaks the check
        TopicCheck.requireTopic(kafka.bootstrapServers(), Map.of("client.id", "props-check"), "props-holdout",
                "kafka.holdout-topic", "");
        assertThatThrownBy(() -> TopicCheck.requireTopic(kafka.bootstrapServers(),
                        Map.of("security.protocol", "SSL", "default.api.timeout.ms", "2000",
                                "request.timeout.ms", "1000"), "props-holdout", "kafka.holdout-topic", ""))
                // not "no such topic": the admin client never got an answer over TLS from a plaintext listener
                .isNotInstanceOf(IllegalStateException.class);
    }

    /** The bounded job on the embedded broker's topic props-rows, with {@code settings} added. */
    private static StreamtrainJob job(Map<String, String> settings) throws Exception {
        Map<String, String> all = new HashMap<>(settings);
        all.put("kafka.bootstrap-servers", kafka.bootstrapServers());
        all.put("kafka.rows-topic", "props-rows");
        return StreamtrainJob.fromConfig(StreamtrainConfig.of(all), kafka.bootstrapServers(),
                Map.of(new TopicPartition("props-rows", 0), 10L), 0L);
    }

    private static Properties properties(StreamtrainJob job, String field) throws Exception {
        return properties(field(job, field));
    }

    private static Object field(Object owner, String name) throws Exception {
        Field f = owner.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(owner);
    }

    /**
     * The params source of a bounded run is wrapped in a {@link StopOnFinalSource}, the rows source
     * in a {@link ReadAheadSource}.
     */
    private static Object unwrap(Object source) throws Exception {
        if (source instanceof ReadAheadSource<?, ?, ?> readAhead) {
            return field(readAhead, "delegate");
        }
        if (source instanceof StopOnFinalSource<?, ?> stop) {
            for (Field f : StopOnFinalSource.class.getDeclaredFields()) {
                f.setAccessible(true);
                if (f.get(stop) instanceof KafkaSource<?> inner) {
                    return inner;
                }
            }
        }
        return source;
    }

    /** The client properties a built {@link KafkaSource} or {@link KafkaSink} holds. */
    private static Properties properties(Object client) throws Exception {
        assertThat(client).isInstanceOfAny(KafkaSource.class, KafkaSink.class);
        for (Class<?> c = client.getClass(); c != null; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Properties.class.isAssignableFrom(f.getType())) {
                    f.setAccessible(true);
                    return (Properties) f.get(client);
                }
            }
        }
        throw new AssertionError("no Properties field in " + client.getClass());
    }
}
