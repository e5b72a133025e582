package io.streamtrain.connectors.typeutils;

import io.streamtrain.connectors.record.ModelVersion;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink's serializer of {@link ModelVersion} (broadcast to every gradient worker, kept in broadcast
 * state). Parameters that are all exactly floats (published for float32 workers) travel as floats,
 * half the bytes; versions written as doubles, by this or an earlier build, still read.
 */
public final class ModelVersionTypeSerializer extends RecordSerializer<ModelVersion> {
    private static final long serialVersionUID = 1L;

    @Override
    public TypeSerializer<ModelVersion> duplicate() {
        return new ModelVersionTypeSerializer();
    }

    @Override
    public ModelVersion createInstance() {
        return null;
    }

    @Override
    public void serialize(ModelVersion v, DataOutputView out) throws IOException {
        out.writeUTF(v.model());
        out.writeLong(v.generation());
        out.writeLong(v.version());
        out.writeBoolean(v.last());
        out.writeLong(v.rowsTrained());
        out.writeLong(v.rowsRejected());
        out.writeDouble(v.lossSum());
        out.writeLong(v.correct());
        out.writeLong(v.publishedAtMillis());
        arrays().writeInts(v.shardKeys(), out);
        arrays().writeLongs(v.shardBlocks(), out);
        arrays().writeCompactDoubles(v.parameters(), out);
    }

    @Override
    public ModelVersion deserialize(DataInputView in) throws IOException {
        return new ModelVersion(in.readUTF(), in.readLong(), in.readLong(), in.readBoolean(), in.readLong(),
                in.readLong(), in.readDouble(), in.readLong(), in.readLong(), arrays().readInts(in),
                arrays().readLongs(in), arrays().readCompactDoubles(in));
    }

    @Override
    public TypeSerializerSnapshot<ModelVersion> snapshotConfiguration() {
        return new Snapshot();
    }

    public static final class Snapshot extends SimpleTypeSerializerSnapshot<ModelVersion> {
        public Snapshot() {
            super(ModelVersionTypeSerializer::new);
        }
    }

    /** Named by {@code @TypeInfo} on {@link ModelVersion}. */
    public static final class Factory extends TypeInfoFactory<ModelVersion> {
        @Override
        public TypeInformation<ModelVersion> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return new RecordTypeInfo<>(ModelVersion.class, ModelVersionTypeSerializer.class);
        }
    }
}
