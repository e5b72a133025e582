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

/**
 * Flink's serializer of {@link GradientBlock}, shuffled from the gradient workers to the updater
 * and held in the updater's window state. A gradient computed in float32 (every value exactly a
 * float) travels as floats, half the bytes, and reads back as the same doubles; older blocks,
 * written as doubles, still read.
 */
public final class GradientBlockSerializer extends RecordSerializer<GradientBlock> {
    private static final long serialVersionUID = 1L;

    @Override
    public TypeSerializer<GradientBlock> duplicate() {
        return new GradientBlockSerializer();
    }

    @Override
    public GradientBlock createInstance() {
        return null;
    }

    @Override
    public void serialize(GradientBlock g, DataOutputView out) throws IOException {
        out.writeUTF(g.model());
        out.writeInt(g.shardKey());
        out.writeLong(g.baseGeneration());
        out.writeLong(g.baseVersion());
        out.writeInt(g.rows());
        out.writeDouble(g.lossSum());
        out.writeLong(g.correct());
        out.writeInt(g.rejected());
        out.writeBoolean(g.endOfInput());
        arrays().writeCompactDoubles(g.gradient(), out);
        arrays().writeInts(g.partitions(), out);
        arrays().writeLongs(g.nextOffsets(), out);
    }

    @Override
    public GradientBlock deserialize(DataInputView in) throws IOException {
        String model = in.readUTF();
        int shardKey = in.readInt();
        long baseGeneration = in.readLong();
        long baseVersion = in.readLong();
        int rows = in.readInt();
        double lossSum = in.readDouble();
        long correct = in.readLong();
        int rejected = in.readInt();
        boolean end = in.readBoolean();
        return new GradientBlock(model, shardKey, baseGeneration, baseVersion, arrays().readCompactDoubles(in), rows, lossSum,
                correct, rejected, end, arrays().readInts(in), arrays().readLongs(in));
    }

    @Override
    public TypeSerializerSnapshot<GradientBlock> snapshotConfiguration() {
        return new Snapshot();
    }

    public static final class Snapshot extends SimpleTypeSerializerSnapshot<GradientBlock> {
        public Snapshot() {
            super(GradientBlockSerializer::new);
        }
    }

    /** Named by {@code @TypeInfo} on {@link GradientBlock}. */
    public static final class Factory extends TypeInfoFactory<GradientBlock> {
        @Override
        public TypeInformation<GradientBlock> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return new RecordTypeInfo<>(GradientBlock.class, GradientBlockSerializer.class);
        }
    }
}
