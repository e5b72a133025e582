package io.streamtrain.job;

import io.streamtrain.connectors.typeutils.RecordSerializer;
import io.streamtrain.connectors.typeutils.RecordTypeInfo;
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

/** Flink's serializer of {@link RowBlock}, the unit shuffled from the parsers to the gradient workers. */
public final class RowBlockSerializer extends RecordSerializer<RowBlock> {
    private static final long serialVersionUID = 1L;

    @Override
    public TypeSerializer<RowBlock> duplicate() {
        return new RowBlockSerializer();
    }

    @Override
    public RowBlock createInstance() {
        return null;
    }

    @Override
    public void serialize(RowBlock b, DataOutputView out) throws IOException {
        out.writeInt(b.shardKey());
        out.writeInt(b.rows());
        out.writeInt(b.rejected());
        out.writeBoolean(b.endOfInput());
        if (b.features8() != null) {
            // 8-bit features: a negative length (-1 - n) where float features write n, then the
            // scale and the bytes; blocks written before this existed read as before
            out.writeInt(-1 - b.features8().length);
            out.writeFloat(b.scale8());
            out.write(b.features8());
        } else {
            arrays().writeFloats(b.features(), out);
        }
        arrays().writeFloats(b.labels(), out);
        arrays().writeInts(b.partitions(), out);
        arrays().writeLongs(b.nextOffsets(), out);
    }

    @Override
    public RowBlock deserialize(DataInputView in) throws IOException {
        int shardKey = in.readInt();
        int rows = in.readInt();
        int rejected = in.readInt();
        boolean end = in.readBoolean();
        int n = in.readInt();
        if (n < 0) {
            float scale = in.readFloat();
            byte[] features8 = new byte[-1 - n];
            in.readFully(features8);
            return new RowBlock(shardKey, rows, rejected, new float[0], arrays().readFloats(in), arrays().readInts(in),
                    arrays().readLongs(in), end, features8, scale);
        }
        return new RowBlock(shardKey, rows, rejected, arrays().readFloats(n, in), arrays().readFloats(in),
                arrays().readInts(in), arrays().readLongs(in), end);
    }

    @Override
    public TypeSerializerSnapshot<RowBlock> snapshotConfiguration() {
        return new Snapshot();
    }

    public static final class Snapshot extends SimpleTypeSerializerSnapshot<RowBlock> {
        public Snapshot() {
            super(RowBlockSerializer::new);
        }
    }

    /** Named by {@code @TypeInfo} on {@link RowBlock}. */
    public static final class Factory extends TypeInfoFactory<RowBlock> {
        @Override
        public TypeInformation<RowBlock> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return new RecordTypeInfo<>(RowBlock.class, RowBlockSerializer.class);
        }
    }
}
