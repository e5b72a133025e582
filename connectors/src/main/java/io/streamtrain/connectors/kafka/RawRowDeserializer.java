package io.streamtrain.connectors.kafka;

import io.streamtrain.connectors.record.RawRow;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Keeps each rows-topic record as raw bytes with its position. Parsing happens downstream, so a
 * row that does not parse still reaches the dead-letter topic byte for byte.
 */
public final class RawRowDeserializer implements KafkaRecordDeserializationSchema<RawRow> {
    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRow> out) {
        byte[] value = record.value() == null ? new byte[0] : record.value();
        out.collect(new RawRow(value, record.topic(), record.partition(), record.offset()));
    }

    @Override
    public TypeInformation<RawRow> getProducedType() {
        return TypeInformation.of(RawRow.class);
    }
}
