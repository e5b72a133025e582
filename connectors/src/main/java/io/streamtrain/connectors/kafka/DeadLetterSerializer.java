package io.streamtrain.connectors.kafka;

import io.streamtrain.connectors.record.DeadLetter;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes a dead letter as its original bytes, with headers {@code reason}, {@code source.topic},
 * {@code source.partition} and {@code source.offset}, so the row can be fixed and replayed.
 */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
    private static final long serialVersionUID = 1L;
    public static final String REASON = "reason";
    public static final String SOURCE_TOPIC = "source.topic";
    public static final String SOURCE_PARTITION = "source.partition";
    public static final String SOURCE_OFFSET = "source.offset";

    private final String topic;

    public DeadLetterSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter letter, KafkaSinkContext context, Long timestamp) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(REASON, letter.reason().getBytes(StandardCharsets.UTF_8));
        headers.add(SOURCE_TOPIC, String.valueOf(letter.topic()).getBytes(StandardCharsets.UTF_8));
        headers.add(SOURCE_PARTITION, Integer.toString(letter.partition()).getBytes(StandardCharsets.UTF_8));
        headers.add(SOURCE_OFFSET, Long.toString(letter.offset()).getBytes(StandardCharsets.UTF_8));
        // null timestamp: the broker stamps it (a MAX_VALUE event time would be refused)
        return new ProducerRecord<>(topic, null, null, null, letter.value(), headers);
    }
}
