package io.streamtrain.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaTest {

    private static final int RECORDS = 100;

    @TempDir
    Path parent;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS) // a hung broker must fail the build, not stall it
    void roundTripsRecordsThroughARealBroker() throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(parent);
        Path logDir;
        try {
            assertThat(kafka.bootstrapServers()).matches("127\\.0\\.0\\.1:\\d+");
            // The broker's log dir is the only thing start() creates in the parent.
            try (Stream<Path> children = Files.list(parent)) {
                List<Path> dirs = children.toList();
                assertThat(dirs).hasSize(1);
                logDir = dirs.get(0);
            }
            assertThat(logDir).isDirectory();

            kafka.createTopics(Map.of("t", 2));
            try (Admin admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                TopicDescription t = admin.describeTopics(Set.of("t")).allTopicNames()
                        .get(10, TimeUnit.SECONDS).get("t");
                assertThat(t.partitions()).hasSize(2);
                for (TopicPartitionInfo p : t.partitions()) {
                    assertThat(p.leader()).isNotNull();
                    assertThat(p.leader().isEmpty()).isFalse();
                }
            }

            List<String> sent = new ArrayList<>();
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(kafka))) {
                for (int i = 0; i < RECORDS; i++) {
                    String value = "v" + i;
                    // Alternate partitions explicitly so both are exercised.
                    RecordMetadata md = producer.send(new ProducerRecord<>("t", i % 2, "k" + i, value))
                            .get(10, TimeUnit.SECONDS);
                    assertThat(md.partition()).isEqualTo(i % 2);
                    sent.add(value);
                }
            }

            List<String> received = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(kafka))) {
                List<TopicPartition> partitions = List.of(new TopicPartition("t", 0), new TopicPartition("t", 1));
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                while (received.size() < RECORDS && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        received.add(r.value());
                    }
                }
                // One more short poll: nothing beyond the 100 records may show up.
                consumer.poll(Duration.ofMillis(200)).forEach(r -> received.add(r.value()));
            }
            assertThat(received).containsExactlyInAnyOrderElementsOf(sent);

            assertThat(kafka.endOffsetSum("t")).isEqualTo(RECORDS);

            // Creating an existing topic is a no-op, not an error.
            kafka.createTopics(Map.of("t", 2));
            assertThat(kafka.endOffsetSum("t")).isEqualTo(RECORDS);
        } finally {
            kafka.close();
        }

        assertThat(logDir).doesNotExist();
        kafka.close(); // idempotent
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void portAlreadyTakenFailsCleanlyInsteadOfKillingTheJvm() throws Exception {
        // Pin the controller port (via the overrides) to one that is held open here, so every attempt
        // hits the bind race that start() normally retries away. Kafka's own fault handler would halt
        // the JVM at this point; if that guard breaks, this test kills the surefire fork.
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
             ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int controllerPort = taken.getLocalPort();
            int brokerPort = probe.getLocalPort();
            probe.close();
            Map<String, String> pinned = Map.of(
                    "listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort,
                    "advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort,
                    "controller.quorum.voters", "1@127.0.0.1:" + controllerPort);

            // Each failed attempt makes Kafka log several ERRORs with full stack traces (~1,700 lines
            // in all); the exception asserted below carries the cause, so mute Kafka for this test only.
            Map<String, Level> muted = Map.of("kafka", Level.OFF, "org.apache.kafka", Level.OFF);
            Configurator.setLevel(muted);
            try {
                assertThatThrownBy(() -> EmbeddedKafka.start(parent, pinned))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("could not bind")
                        .hasRootCauseInstanceOf(BindException.class);
            } finally {
                // Back to the root level from log4j2-test.xml.
                Configurator.setLevel(Map.of("kafka", Level.WARN, "org.apache.kafka", Level.WARN));
            }
        }
        // Every failed attempt cleaned up its log dir.
        try (Stream<Path> children = Files.list(parent)) {
            assertThat(children).isEmpty();
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aStoppedBrokerRestartsOnItsPortsWithItsRecords() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(parent)) {
            kafka.createTopics(Map.of("kept", 1));
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(kafka))) {
                producer.send(new ProducerRecord<>("kept", "k", "before")).get(10, TimeUnit.SECONDS);
                kafka.stop();
                int port = Integer.parseInt(kafka.bootstrapServers().substring(kafka.bootstrapServers().indexOf(':') + 1));
                assertThatThrownBy(() -> new java.net.Socket(InetAddress.getLoopbackAddress(), port).close())
                        .as("nothing listens while stopped").isInstanceOf(java.net.ConnectException.class);
                // sent while the broker is down (send may block for metadata until it is back, so
                // the restart comes from another thread): the producer retries until it is back
                var restart = java.util.concurrent.CompletableFuture.runAsync(() -> {
                    try {
                        Thread.sleep(1_000);
                        kafka.restart();
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                });
                var during = producer.send(new ProducerRecord<>("kept", "k", "during"));
                restart.get(60, TimeUnit.SECONDS);
                during.get(60, TimeUnit.SECONDS);
            }
            assertThat(kafka.endOffsetSum("kept")).isEqualTo(2);
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(kafka))) {
                consumer.assign(List.of(new TopicPartition("kept", 0)));
                List<String> values = new ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (values.size() < 2 && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        values.add(r.value());
                    }
                }
                assertThat(values).containsExactly("before", "during");
            }
        }
    }

    private static Properties producerProps(EmbeddedKafka kafka) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return p;
    }

    private static Properties consumerProps(EmbeddedKafka kafka) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return p;
    }
}
