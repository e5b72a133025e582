package io.streamtrain.connectors.kafka;

import io.streamtrain.connectors.format.ModelVersionFormat;
import io.streamtrain.connectors.record.ModelVersion;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Reads model versions back from the parameters topic. A message in another format fails loudly. */
public final class ModelVersionDeserializer implements KafkaRecordDeserializationSchema<ModelVersion> {
    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<ModelVersion> out) {
        try {
            out.collect(ModelVersionFormat.decode(record.value()));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("unreadable message on parameters topic " + record.topic()
                    + " partition " + record.partition() + " offset " + record.offset()
                    + ": " + e.getMessage() + " (is another producer writing to this topic?)", e);
        }
    }

    @Override
    public TypeInformation<ModelVersion> getProducedType() {
        return TypeInformation.of(ModelVersion.class);
    }
}
