package io.streamtrain.connectors.kafka;

import io.streamtrain.connectors.format.ModelVersionFormat;
import io.streamtrain.connectors.record.ModelVersion;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes a model version to the parameters topic, keyed by model id. */
public final class ModelVersionSerializer implements KafkaRecordSerializationSchema<ModelVersion> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private final int maxMessageBytes;

    public ModelVersionSerializer(String topic, int maxMessageBytes) {
        this.topic = topic;
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(ModelVersion version, KafkaSinkContext context, Long timestamp) {
        byte[] value = ModelVersionFormat.encode(version);
        if (value.length > maxMessageBytes) {
            throw new IllegalStateException("model '" + version.model() + "' version is " + value.length
                    + " bytes, over kafka.max-message-bytes=" + maxMessageBytes
                    + "; raise kafka.max-message-bytes (and the topic's max.message.bytes) or use a smaller model");
        }
        // null timestamp: versions emitted from an end-of-input timer carry Long.MAX_VALUE, which
        // the broker refuses
        return new ProducerRecord<>(topic, null, null,
                version.model().getBytes(StandardCharsets.UTF_8), value);
    }
}
