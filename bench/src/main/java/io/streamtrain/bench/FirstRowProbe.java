package io.streamtrain.bench;

import io.streamtrain.connectors.kafka.RawRowDeserializer;
import io.streamtrain.connectors.record.RawRow;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** The job's rows deserializer, noting when the first row was read (one branch per record after that). */
final class FirstRowProbe implements KafkaRecordDeserializationSchema<RawRow> {
    private static final long serialVersionUID = 1L;

    private final RawRowDeserializer delegate = new RawRowDeserializer();
    private transient boolean seen;

    @Override
    public void open(org.apache.flink.api.common.serialization.DeserializationSchema.InitializationContext context)
            throws Exception {
        delegate.open(context);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRow> out) throws java.io.IOException {
        if (!seen) {
            seen = true;
            Probes.firstRow();
        }
        delegate.deserialize(record, out);
    }

    @Override
    public TypeInformation<RawRow> getProducedType() {
        return delegate.getProducedType();
    }
}
