package io.streamtrain.connectors.kafka;

import io.streamtrain.connectors.record.DeadLetter;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes a dead letter as its original bytes, with headers {@code reason}, {@code source.topic},
 * {@code source.partition} and {@code source.offset}, so the row can be fixed and replayed.
 *
 * <p>A row larger than the dead-letter producer may send would fail the job on every restart (a
 * poison pill): such a row is written cut to its first {@code maxValueBytes} bytes, with header
 * {@code truncated.from} (its length) and the reason saying so.
 */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
    private static final long serialVersionUID = 1L;
    public static final String REASON = "reason";
    public static final String SOURCE_TOPIC = "source.topic";
    public static final String SOURCE_PARTITION = "source.partition";
    public static final String SOURCE_OFFSET = "source.offset";
    public static final String TRUNCATED_FROM = "truncated.from";

    private final String topic;
    private final int maxValueBytes;

    /** Writes every row whole. */
    public DeadLetterSerializer(String topic) {
        this(topic, Integer.MAX_VALUE);
    }

    /**
     * @param maxValueBytes rows longer than this are written cut to this many bytes (the producer's
     *     {@code max.request.size} less room for the headers)
     */
    public DeadLetterSerializer(String topic, int maxValueBytes) {
        this.topic = topic;
        this.maxValueBytes = maxValueBytes;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter letter, KafkaSinkContext context, Long timestamp) {
        RecordHeaders headers = new RecordHeaders();
        byte[] value = letter.value();
        String reason = letter.reason();
        if (value.length > maxValueBytes) {
            reason += " (the dead letter keeps the first " + maxValueBytes + " of its " + value.length + " bytes)";
            headers.add(TRUNCATED_FROM, Integer.toString(value.length).getBytes(StandardCharsets.UTF_8));
            value = java.util.Arrays.copyOf(value, maxValueBytes);
        }
        headers.add(REASON, reason.getBytes(StandardCharsets.UTF_8));
        headers.add(SOURCE_TOPIC, String.valueOf(letter.topic()).getBytes(StandardCharsets.UTF_8));
        headers.add(SOURCE_PARTITION, Integer.toString(letter.partition()).getBytes(StandardCharsets.UTF_8));
        headers.add(SOURCE_OFFSET, Long.toString(letter.offset()).getBytes(StandardCharsets.UTF_8));
        // null timestamp: the broker stamps it (a MAX_VALUE event time would be refused)
        return new ProducerRecord<>(topic, null, null, null, value, headers);
    }
}
