package io.streamtrain.connectors.kafka;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Streams rows into a Kafka topic, message i to partition i mod partitions (so each partition's
 * share, and where a bounded run stops, is known up front), optionally at a limited rate, and
 * checks that the broker acknowledged every message. A message holds one row, or for a format
 * of fixed-length, self-delimiting rows (dense) several rows back to back.
 *
 * <p>Before sending it waits until every partition of the topic answers (see {@link KafkaTopics}:
 * rows sent to a topic created a moment ago can otherwise be lost silently).
 */
public final class SendRows {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    /** What was sent: rows, messages and value bytes, acknowledged by the broker, and how long it took. */
    public record Report(long rows, long messages, long bytes, double seconds) {
        public double rowsPerSecond() {
            return seconds > 0 ? rows / seconds : Double.NaN;
        }
    }

    private final String bootstrapServers;
    private final String topic;
    private final Map<String, String> producerProperties;

    /**
     * @param producerProperties client settings that override the defaults (acks=all,
     *     idempotence, 5 ms linger, 256 kB batches)
     */
    public SendRows(String bootstrapServers, String topic, Map<String, String> producerProperties) {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.producerProperties = Map.copyOf(producerProperties);
    }

    /**
     * Creates the topic with {@code partitions} partitions when it does not exist, and waits until
     * every partition answers.
     *
     * @return the topic's partitions (an existing topic keeps its own number)
     */
    public int prepareTopic(int partitions) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(READY_TIMEOUT.toMillis()));
        producerProperties.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(k)) {
                props.put(k, v); // security settings apply to both clients
            }
        });
        try (Admin admin = Admin.create(props)) {
            if (!KafkaTopics.exists(admin, topic, READY_TIMEOUT)) {
                KafkaTopics.create(admin, Map.of(topic, partitions), (short) 1, READY_TIMEOUT);
            }
            return KafkaTopics.partitions(admin, topic, READY_TIMEOUT);
        }
    }

    /**
     * Sends every row of {@code rows}, one a message, row i to partition {@code i mod partitions}.
     *
     * @param rowsPerSecond at most this many rows per second (0 = no limit)
     * @param progress called with the number of rows handed to the producer, now and then
     * @throws IllegalStateException when a row was not acknowledged (the first failure is its cause)
     */
    public Report send(Iterator<byte[]> rows, int partitions, double rowsPerSecond, LongConsumer progress)
            throws Exception {
        return send(rows, 1, partitions, rowsPerSecond, progress);
    }

    /**
     * The messages each partition receives when {@code rows} rows are sent {@code rowsPerMessage}
     * a message to {@code partitions} partitions: where a bounded read of them stops.
     */
    public static long[] messagesPerPartition(long rows, int rowsPerMessage, int partitions) {
        long messages = (rows + rowsPerMessage - 1) / rowsPerMessage;
        long[] counts = new long[partitions];
        for (int p = 0; p < partitions; p++) {
            counts[p] = messages / partitions + (p < messages % partitions ? 1 : 0);
        }
        return counts;
    }

    /**
     * Sends every row of {@code rows}, {@code rowsPerMessage} consecutive rows concatenated into
     * each message (the last may hold fewer), message i to partition {@code i mod partitions}.
     *
     * @param rowsPerSecond at most this many rows per second (0 = no limit)
     * @param progress called with the number of rows handed to the producer, now and then
     * @throws IllegalStateException when a message was not acknowledged (the first failure is its cause)
     */
    public Report send(Iterator<byte[]> rows, int rowsPerMessage, int partitions, double rowsPerSecond,
            LongConsumer progress) throws Exception {
        if (rowsPerMessage < 1) {
            throw new IllegalArgumentException("rows per message must be at least 1, got " + rowsPerMessage);
        }
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        props.putAll(producerProperties);
        AtomicReference<Exception> failure = new AtomicReference<>();
        AtomicLong acknowledged = new AtomicLong();
        AtomicLong acknowledgedRows = new AtomicLong();
        AtomicLong acknowledgedBytes = new AtomicLong();
        long sent = 0;
        long messages = 0;
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        long start = System.nanoTime();
        // a hand-written pacer: row i leaves no earlier than start + i / rate (no rate-limiter
        // library is on the class path, and this needs nothing more)
        double nanosPerRow = rowsPerSecond > 0 ? 1e9 / rowsPerSecond : 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            while (rows.hasNext() && failure.get() == null) {
                if (nanosPerRow > 0) {
                    long due = start + (long) (sent * nanosPerRow);
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
                byte[] value = rows.next();
                int inMessage = 1;
                if (rowsPerMessage > 1) {
                    packed.reset();
                    packed.writeBytes(value);
                    while (inMessage < rowsPerMessage && rows.hasNext()) {
                        packed.writeBytes(rows.next());
                        inMessage++;
                    }
                    value = packed.toByteArray();
                }
                int size = value.length;
                int messageRows = inMessage;
                producer.send(new ProducerRecord<>(topic, (int) (messages % partitions), null, value), (meta, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    } else {
                        acknowledged.incrementAndGet();
                        acknowledgedRows.addAndGet(messageRows);
                        acknowledgedBytes.addAndGet(size);
                    }
                });
                messages++;
                long before = sent;
                sent += inMessage;
                if ((sent >>> 12) != (before >>> 12)) {
                    progress.accept(sent);
                }
            }
            producer.flush();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        progress.accept(sent);
        if (failure.get() != null) {
            throw new IllegalStateException("writing to topic " + topic + " failed after " + acknowledgedRows.get()
                    + " acknowledged rows: " + failure.get().getMessage(), failure.get());
        }
        if (acknowledged.get() != messages) {
            throw new IllegalStateException("the broker acknowledged " + acknowledged.get() + " of " + messages
                    + " messages (" + acknowledgedRows.get() + " of " + sent + " rows) sent to " + topic);
        }
        return new Report(sent, messages, acknowledgedBytes.get(), seconds);
    }
}
